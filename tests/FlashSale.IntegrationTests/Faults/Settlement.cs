using Dapper;
using FlashSale.Core;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>Waits, from the stores themselves, until every admitted claim of a sale is terminal, then checks every invariant.</summary>
public static class Settlement
{
    public static async Task<SaleLedger> SettleAndAuditAsync(FaultStores stores, string saleId, TimeSpan within, bool simulatedGateway = true,
        IConnectionMultiplexer? redis = null)
    {
        redis ??= stores.Redis;
        var audit = new InvariantAudit(stores.Db!, redis.GetDatabase());
        await Eventually.True(async () =>
        {
            try
            {
                var ledger = await audit.ReadAsync(saleId);
                var queued = await redis.GetDatabase().StreamLengthAsync(new SaleKeys(saleId).Queue);
                return queued == 0 && ledger.RedisAdmitted == ledger.Claims.Sum(c => c.Quantity)
                    && ledger.Claims.All(c => ClaimStatus.IsTerminal(c.Status));
            }
            catch (Exception e) when (e is RedisException or Npgsql.NpgsqlException)
            {
                return false; // a store just broken on purpose is still coming back: look again
            }
        }, within, $"every admitted claim of {saleId} is recorded and terminal");
        return await audit.AssertSettledAsync(saleId, simulatedGateway);
    }

    public static async Task<int> PaidAsync(FaultStores stores, string saleId)
    {
        await using var conn = await stores.Db!.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM claims WHERE sale_id = @saleId AND status = 'paid'", new { saleId });
    }
}
