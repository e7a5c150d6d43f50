using Dapper;
using FlashSale.Service.Ops;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using StackExchange.Redis;

namespace FlashSale.Service.Reconciliation;

/// <summary>The reconciler's pass over a sale of several pools (Pool/SalePools.cs): the same steps, pool by pool.</summary>
public sealed partial class SaleReconciler
{
    // A claim's pool from its id's last byte, as SalePools.IndexOfClaim reads it.
    private const string PoolOfClaim = "(('x' || right(claim_id, 2))::bit(8)::int % @Count)";

    private async Task ReconcilePoolsAsync(SaleRow sale, SalePools pools, CancellationToken ct)
    {
        var redisDb = redis.GetDatabase();
        // As for one pool: each pool's admitted count before its queue's length.
        var admitted = new long[pools.Count];
        var drained = new bool[pools.Count];
        for (var i = 0; i < pools.Count; i++)
        {
            admitted[i] = (long?)await redisDb.HashGetAsync(pools[i].Meta, "admitted") ?? 0;
            drained[i] = await redisDb.StreamLengthAsync(pools[i].Queue) == 0;
        }
        if (queue.Value.Transport == "redis" && drained.Any(d => d))
        {
            var recorded = await PerPoolAsync(pools, $"""
                SELECT {PoolOfClaim} AS pool, coalesce(sum(quantity), 0)::bigint AS units FROM claims WHERE sale_id = @SaleId GROUP BY 1
                """, ct);
            for (var i = 0; i < pools.Count; i++)
                if (drained[i]) await RecoverUnrecordedAsync(sale, pools[i], admitted[i], recorded[i], redisDb, ct);
        }
        await ExpireStaleAsync(sale, ct);
        await returns.ApplyOutstandingAsync(sale.SaleId, ct);
        if (drained.All(d => d)) await RepairPoolDriftAsync(sale, pools, redisDb, ct);
    }

    private async Task<long[]> PerPoolAsync(SalePools pools, string sql, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<(int Pool, long Units)>(new CommandDefinition(sql, new { pools.SaleId, pools.Count }, cancellationToken: ct));
        var units = new long[pools.Count];
        foreach (var (pool, sum) in rows) units[pool] = sum;
        return units;
    }

    /// <summary>
    /// Each pool's units left against PostgreSQL's: its share of the stock, plus what moves brought, minus what they
    /// took, minus its claims' units PostgreSQL holds as sold. Only while nothing is in flight, no return and no move
    /// is open, and every admitted unit is recorded (the same conditions as for one pool).
    /// </summary>
    private async Task RepairPoolDriftAsync(SaleRow sale, SalePools pools, IDatabase redisDb, CancellationToken ct)
    {
        var reads = pools.All.Select(async keys => (Remaining: await redisDb.StringGetAsync(keys.Remaining),
            Meta: await redisDb.HashGetAsync(keys.Meta, ["admitted", "released"]))).ToArray();
        var state = await Task.WhenAll(reads);
        if (state.Any(s => s.Remaining.IsNull)) return;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var blockers = await conn.QuerySingleAsync<(int Unsettled, int Recorded, int Returning, int Moving)>(new CommandDefinition("""
                SELECT (SELECT count(*) FROM claims WHERE sale_id = @SaleId AND status IN ('admitted', 'confirmed', 'payment_pending'))::int,
                       (SELECT coalesce(sum(quantity), 0) FROM claims WHERE sale_id = @SaleId)::int,
                       (SELECT count(*) FROM stock_returns WHERE sale_id = @SaleId)::int,
                       (SELECT count(*) FROM pool_transfers WHERE sale_id = @SaleId AND state <> 'done')::int
                """, sale, cancellationToken: ct));
            var admittedEver = state.Sum(s => (int?)s.Meta[0] ?? 0);
            if (blockers.Unsettled > 0 || blockers.Recorded != admittedEver || blockers.Returning > 0 || blockers.Moving > 0) return;
        }
        // A pool rebuilt after a failover whose moves are not all back yet is the healer's (PoolTransfers.ReapplyAsync):
        // set from PostgreSQL now, it would count those moves twice once they are.
        var outs = await PerPoolAsync(pools, "SELECT from_pool, count(*)::bigint FROM pool_transfers WHERE sale_id = @SaleId AND taken IS NOT NULL GROUP BY 1", ct);
        var ins = await PerPoolAsync(pools, "SELECT to_pool, count(*)::bigint FROM pool_transfers WHERE sale_id = @SaleId AND state = 'done' AND taken > 0 GROUP BY 1", ct);
        for (var i = 0; i < pools.Count; i++)
            if (await redisDb.HashLengthAsync(pools[i].TransfersOut) != outs[i] || await redisDb.SetLengthAsync(pools[i].TransfersIn) != ins[i]) return;
        var sold = await PerPoolAsync(pools, $"""
            SELECT {PoolOfClaim} AS pool, coalesce(sum(quantity), 0)::bigint AS units FROM claims
            WHERE sale_id = @SaleId AND status IN ('paid', 'held') GROUP BY 1
            """, ct);
        var movedIn = await PerPoolAsync(pools, "SELECT to_pool, coalesce(sum(taken), 0)::bigint FROM pool_transfers WHERE sale_id = @SaleId AND state = 'done' GROUP BY 1", ct);
        var movedOut = await PerPoolAsync(pools, "SELECT from_pool, coalesce(sum(taken), 0)::bigint FROM pool_transfers WHERE sale_id = @SaleId AND state = 'done' GROUP BY 1", ct);
        var total = 0;
        for (var i = 0; i < pools.Count; i++)
        {
            var expected = (int)(pools.ShareOf(sale.Stock, i) + movedIn[i] - movedOut[i] - sold[i]);
            var drift = expected - (int)state[i].Remaining;
            total += drift;
            if (drift == 0) continue;
            if (await pool.RepairRemainingAsync(pools[i], state[i].Remaining, state[i].Meta[0], state[i].Meta[1], expected))
                await repairs.RecordAsync(sale.SaleId, RepairLog.DriftRepaired, null, drift,
                    $"Redis remaining of pool {i} {(int)state[i].Remaining} set to PostgreSQL's {expected} (its share, moves in and out, and its units sold)", ct);
        }
        FlashSaleMetrics.Drift.WithLabels(sale.SaleId).Set(total);
    }
}
