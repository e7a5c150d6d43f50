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
        var keys = new SaleKeys(sale.SaleId);
        await scripts.Preload.EvaluateAsync(db, [keys.Meta, keys.Remaining, keys.Queue],
        [
            UnixMs(sale.StartsAt), UnixMs(sale.EndsAt),
            sale.PerUserLimit, sale.Stock, queue.Value.ConsumerGroup, sale.Holds ? sale.HoldSeconds * 1000L : 0, sale.MaxPaymentAttempts,
            sale.WaitingRoom ? 1 : 0,
        ]);
        // Only now may workers read the sale's queue: its consumer group exists.
        await activeSales.AddAsync(sale.SaleId);
    }

    // The columns are timestamptz (UTC); saying so keeps a stray local DateTime from shifting the window.
    private static long UnixMs(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    /// <summary>Sets the admit flag of a preloaded sale; false when the sale has no pool to flag.</summary>
    public async Task<bool> SetStatusAsync(string saleId, string status)
    {
        var keys = new SaleKeys(saleId);
        var tx = redis.GetDatabase().CreateTransaction();
        tx.AddCondition(Condition.KeyExists(keys.Meta));
        _ = tx.HashSetAsync(keys.Meta, "status", status);
        return await tx.ExecuteAsync();
    }

    /// <summary>Moves the sale's end in its pool and its waiting room, where they exist (lua/set_ends_at.lua); safe to repeat.</summary>
    public Task SetEndsAtAsync(string saleId, DateTime endsAt)
    {
        var keys = new SaleKeys(saleId);
        return scripts.SetEndsAt.EvaluateAsync(redis.GetDatabase(), [keys.Meta, keys.Room], [UnixMs(endsAt)]);
    }

    /// <summary>Gives a claim's units back to the pool; safe to repeat (exactly once per claim).</summary>
    /// <param name="paymentFailed">
    /// The claim ended payment_failed: in an immediate sale its buyer may then claim again (lua/release.lua marks the
    /// dedupe token in the same step).
    /// </param>
    public async Task<bool> ReleaseAsync(string saleId, string claimId, bool paymentFailed = false)
    {
        var keys = new SaleKeys(saleId);
        var released = await scripts.Release.EvaluateAsync(redis.GetDatabase(), [keys.Meta, keys.Remaining, keys.Released, keys.Claims, keys.Users],
            [RedisClaimId.ToRedis(claimId), paymentFailed ? "1" : "0"]);
        return (int)released == 1;
    }

    /// <summary>
    /// Sets the units left to PostgreSQL's figure, unless anything moved since the caller read the pool's remaining,
    /// admitted and released (lua/repair.lua; also a no-op while entries wait in the queue).
    /// </summary>
    public async Task<bool> RepairRemainingAsync(string saleId, RedisValue remaining, RedisValue admitted, RedisValue released, int newRemaining)
    {
        var keys = new SaleKeys(saleId);
        var repaired = await scripts.Repair.EvaluateAsync(redis.GetDatabase(), [keys.Meta, keys.Remaining, keys.Queue],
            [remaining, admitted, released, newRemaining]);
        return (int)repaired == 1;
    }

    public async Task<PoolCounts?> CountsAsync(string saleId)
    {
        var keys = new SaleKeys(saleId);
        var db = redis.GetDatabase();
        var remaining = db.StringGetAsync(keys.Remaining);
        var meta = db.HashGetAsync(keys.Meta, ["admitted", "released"]);
        await Task.WhenAll(remaining, meta);
        if (remaining.Result.IsNull) return null;
        return new PoolCounts((int)remaining.Result, (int?)meta.Result[0] ?? 0, (int?)meta.Result[1] ?? 0);
    }
}

/// <summary>Units left, admitted ever, and given back, as Redis counts them.</summary>
public sealed record PoolCounts(int Remaining, int Admitted, int Released);
