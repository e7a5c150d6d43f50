using FlashSale.Service.Claims;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using Microsoft.Extensions.Options;
using FlashSale.Service.Sales;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>A sale's inventory pool in Redis: what the admit script decides from.</summary>
public sealed class SalePool(IConnectionMultiplexer redis, RedisScripts scripts, ActiveSales activeSales, IOptions<QueueOptions> queue)
{
    public const string Open = "open";
    public const string Paused = "paused";
    public const string Closed = "closed";

    public async Task PreloadAsync(SaleRow sale)
    {
        var db = redis.GetDatabase();
        var pools = PoolsOf(sale);
        // Every pool of the sale, its share of the stock each; a sale of one pool is loaded as it always was.
        await Task.WhenAll(Enumerable.Range(0, pools.Count).Select(i =>
        {
            var keys = pools[i];
            return scripts.Preload.EvaluateAsync(db, [keys.Meta, keys.Remaining, keys.Queue],
            [
                UnixMs(sale.StartsAt), UnixMs(sale.EndsAt),
                sale.PerUserLimit, pools.ShareOf(sale.Stock, i), queue.Value.ConsumerGroup, sale.Holds ? sale.HoldSeconds * 1000L : 0, sale.MaxPaymentAttempts,
                sale.WaitingRoom ? 1 : 0, pools.Count,
            ]);
        }));
        // Only now may workers read the sale's queues: their consumer groups exist.
        await Task.WhenAll(pools.All.Select(keys => activeSales.AddAsync(keys.Tag)));
    }

    public static SalePools PoolsOf(SaleRow sale) => new(sale.SaleId, sale.PoolShards);

    /// <summary>The sale's pools as its first pool names them (its meta's <c>pools</c>); one when it has no pool yet.</summary>
    public async Task<SalePools> PoolsOfAsync(string saleId)
    {
        var count = (int?)await redis.GetDatabase().HashGetAsync(new SaleKeys(saleId).Meta, "pools");
        return new SalePools(saleId, count ?? 1);
    }

    // The columns are timestamptz (UTC); saying so keeps a stray local DateTime from shifting the window.
    private static long UnixMs(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    /// <summary>Sets the admit flag of every pool of a preloaded sale; false when the sale has no pool to flag.</summary>
    /// <remarks>Not atomic over several pools: a claim on a pool not yet flagged may still go through in the same
    /// instant, as a claim in flight does on a sale of one pool.</remarks>
    public async Task<bool> SetStatusAsync(string saleId, string status)
    {
        var pools = await PoolsOfAsync(saleId);
        var flagged = await Task.WhenAll(pools.All.Select(async keys =>
        {
            var tx = redis.GetDatabase().CreateTransaction();
            tx.AddCondition(Condition.KeyExists(keys.Meta));
            _ = tx.HashSetAsync(keys.Meta, "status", status);
            return await tx.ExecuteAsync();
        }));
        return flagged[0];
    }

    /// <summary>Moves the sale's end in its pools and its waiting room, where they exist (lua/set_ends_at.lua); safe to repeat.</summary>
    public async Task SetEndsAtAsync(string saleId, DateTime endsAt)
    {
        var pools = await PoolsOfAsync(saleId);
        await Task.WhenAll(pools.All.Select(keys => scripts.SetEndsAt.EvaluateAsync(redis.GetDatabase(), [keys.Meta, keys.Room], [UnixMs(endsAt)])));
    }

    /// <summary>Gives a claim's units back to its pool; safe to repeat (exactly once per claim).</summary>
    /// <param name="paymentFailed">
    /// The claim ended payment_failed: in an immediate sale its buyer may then claim again (lua/release.lua marks the
    /// dedupe token in the same step).
    /// </param>
    public async Task<bool> ReleaseAsync(string saleId, string claimId, bool paymentFailed = false) =>
        await ReleaseAsync(await PoolsOfAsync(saleId), claimId, paymentFailed);

    /// <inheritdoc cref="ReleaseAsync(string, string, bool)"/>
    public async Task<bool> ReleaseAsync(SalePools pools, string claimId, bool paymentFailed = false)
    {
        var keys = pools.OfClaim(claimId);
        var released = await scripts.Release.EvaluateAsync(redis.GetDatabase(), [keys.Meta, keys.Remaining, keys.Released, keys.Claims, keys.Users],
            [RedisClaimId.ToRedis(claimId), paymentFailed ? "1" : "0"]);
        return (int)released == 1;
    }

    /// <summary>
    /// Sets one pool's units left to PostgreSQL's figure, unless anything moved since the caller read the pool's
    /// remaining, admitted and released (lua/repair.lua; also a no-op while entries wait in the queue).
    /// </summary>
    public async Task<bool> RepairRemainingAsync(SaleKeys keys, RedisValue remaining, RedisValue admitted, RedisValue released, int newRemaining)
    {
        var repaired = await scripts.Repair.EvaluateAsync(redis.GetDatabase(), [keys.Meta, keys.Remaining, keys.Queue],
            [remaining, admitted, released, newRemaining]);
        return (int)repaired == 1;
    }

    /// <summary>The sale's counts summed over its pools (one round trip for a sale of one pool).</summary>
    public async Task<PoolCounts?> CountsAsync(string saleId)
    {
        var first = await CountsOfAsync(new SaleKeys(saleId));
        if (first is null) return null;
        var (counts, pools) = first.Value;
        if (pools <= 1) return counts;
        var rest = await Task.WhenAll(new SalePools(saleId, pools).All.Skip(1).Select(CountsOfAsync));
        foreach (var other in rest)
            if (other is { } o)
                counts = new PoolCounts(counts.Remaining + o.Counts.Remaining, counts.Admitted + o.Counts.Admitted, counts.Released + o.Counts.Released,
                    counts.InTransit + o.Counts.InTransit);
        // Units a donor gave and the receiver has not got yet (a move under way or cut short) are still for sale.
        return counts with { Remaining = counts.Remaining + counts.InTransit };
    }

    private async Task<(PoolCounts Counts, int Pools)?> CountsOfAsync(SaleKeys keys)
    {
        var db = redis.GetDatabase();
        var remaining = db.StringGetAsync(keys.Remaining);
        var meta = db.HashGetAsync(keys.Meta, ["admitted", "released", "movedOut", "movedIn", "pools"]);
        await Task.WhenAll(remaining, meta);
        if (remaining.Result.IsNull) return null;
        var m = meta.Result;
        return (new PoolCounts((int)remaining.Result, (int?)m[0] ?? 0, (int?)m[1] ?? 0, ((int?)m[2] ?? 0) - ((int?)m[3] ?? 0)),
            (int?)m[4] ?? 1);
    }
}

/// <summary>Units left, admitted ever, and given back, as Redis counts them.</summary>
/// <param name="InTransit">Of a sale of several pools: units given by one pool and not yet received by another (they
/// are in <see cref="Remaining"/> already in the sum <see cref="SalePool.CountsAsync"/> returns).</param>
public sealed record PoolCounts(int Remaining, int Admitted, int Released, int InTransit = 0);
