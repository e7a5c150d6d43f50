using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>Redis as the queue tests use it: a database of their own, and queue entries as admit.lua writes them.</summary>
public static class QueueRedis
{
    /// <summary>
    /// A connection whose default database is <paramref name="database"/>: a transport reads every active sale of
    /// its database, so test classes that run side by side each need their own.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(int database)
    {
        var options = ConfigurationOptions.Parse(RedisFixture.Address);
        options.DefaultDatabase = database;
        options.AbortOnConnectFail = true;
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException($"The queue tests need a real Redis at {RedisFixture.Address} (FLASHSALE_TEST_REDIS).", e);
        }
    }

    /// <summary>Adds a claim to its sale's queue with the fields admit.lua writes.</summary>
    public static Task<RedisValue> AddEntryAsync(IDatabase db, ClaimMessage claim) =>
        db.StreamAddAsync(new SaleKeys(claim.SaleId).Queue, [
            new("claimId", claim.ClaimId), new("userId", claim.UserId), new("quantity", claim.Quantity),
            new("paymentMethodId", claim.PaymentMethodId), new("admittedAt", claim.AdmittedAt.ToUnixTimeMilliseconds())]);

    /// <summary>Takes test sales out of the active set and deletes their queues and metadata.</summary>
    public static async Task RemoveSalesAsync(IDatabase db, IEnumerable<string> saleIds)
    {
        foreach (var saleId in saleIds)
        {
            var keys = new SaleKeys(saleId);
            await db.SetRemoveAsync(SaleKeys.ActiveSales, saleId);
            await db.KeyDeleteAsync([keys.Queue, keys.Meta]);
        }
    }
}
