using Dapper;
using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Reconciliation;

public sealed class SaleReportBuilder(NpgsqlDataSource db, IConnectionMultiplexer redis, SalePool pool, SaleCountsReader counts, RepairLog repairs, TimeProvider clock)
{
    public async Task<SaleReport> BuildAsync(SaleRow sale, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var saleCounts = await counts.ReadAsync(sale, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        var pg = await conn.QuerySingleAsync<(int Sold, int InFlight)>(new CommandDefinition("""
            SELECT i.sold,
                   (SELECT coalesce(sum(quantity), 0) FROM claims WHERE sale_id = @SaleId AND status IN ('confirmed', 'payment_pending', 'held'))::int
            FROM sale_inventory i WHERE i.sale_id = @SaleId
            """, sale, cancellationToken: ct));
        var postgres = Terms(sale.Stock, saleCounts.Paid, sale.Stock - pg.Sold, pg.InFlight);

        // Summed over the sale's pools (one for most sales); units between two pools in a move count as remaining.
        var pools = SalePool.PoolsOf(sale);
        var rdb = redis.GetDatabase();
        var inPools = await pool.CountsAsync(sale.SaleId);
        ConservationTerms? inRedis = null;
        var anomalies = new List<string>();
        if (inPools is not null)
        {
            var held = inPools.Admitted - inPools.Released;
            inRedis = Terms(sale.Stock, saleCounts.Paid, inPools.Remaining, held - saleCounts.Paid);
            var queued = (await Task.WhenAll(pools.All.Select(keys => rdb.StreamLengthAsync(keys.Queue)))).Sum();
            if (inRedis.InFlight != postgres.InFlight && queued == 0)
                anomalies.Add($"Redis holds {inRedis.InFlight} units in flight, PostgreSQL {postgres.InFlight}: drift of {inRedis.InFlight - postgres.InFlight} units");
            foreach (var keys in pools.All)
            {
                var dead = await rdb.StreamLengthAsync(keys.DeadLetters);
                if (dead > 0) anomalies.Add($"{dead} queue entries in the dead letters ({keys.DeadLetters})");
            }
        }
        if (postgres.Balance != 0) anomalies.Add($"PostgreSQL sold ({pg.Sold}) disagrees with its claims (paid + in flight = {saleCounts.Paid + pg.InFlight})");
        if (saleCounts.Rejected > 0) anomalies.Add($"{saleCounts.Rejected} units rejected: admitted by Redis beyond PostgreSQL's stock");

        var balanced = postgres.Balance == 0 && (inRedis is null || inRedis.Balance == 0);
        return new SaleReport(sale.SaleId, SaleStatus.Effective(sale.Status, sale.StartsAt, sale.EndsAt, now), now,
            "stock = paid + remaining + inFlight", postgres, inRedis, balanced, saleCounts, anomalies, await repairs.ListAsync(sale.SaleId, ct));
    }

    private static ConservationTerms Terms(int stock, int paid, int remaining, int inFlight) =>
        new(stock, paid, remaining, inFlight, stock - paid - remaining - inFlight);
}
