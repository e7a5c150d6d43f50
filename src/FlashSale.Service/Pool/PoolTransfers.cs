using System.Collections.Concurrent;
using Dapper;
using FlashSale.Service.Ops;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// Moves units between the pools of one sale (docs/hot-sales.md §3). A buyer is only ever admitted in their home pool,
/// so when it runs dry while others have units, units move to it: booked in PostgreSQL first (<c>pool_transfers</c>),
/// then taken from the donor (lua/transfer_out.lua), then added to the home pool (lua/transfer_in.lua). Each Redis step
/// runs once per transfer id however often it is repeated, so a move cut short anywhere is finished from its row
/// (<see cref="CompleteOpenAsync"/>), and a pool rebuilt after a failover gets back what it gave and took
/// (<see cref="ReapplyAsync"/>): units are never lost, never counted twice, and no buyer is admitted twice.
/// </summary>
public sealed class PoolTransfers(IConnectionMultiplexer redis, RedisScripts scripts, NpgsqlDataSource db, TimeProvider clock, ILogger<PoolTransfers> logger)
{
    // Once no other pool has units, every sold-out buyer of the pool would read all the pools again: the answer is kept
    // this long, so a sold-out sale's buyers cost one round trip each, as on a sale of one pool. Units a decline gives
    // back to another pool wait at most this long to be found.
    private static readonly TimeSpan DryFor = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<string, long> _dryAt = new(StringComparer.Ordinal);

    // One move into a pool at a time in this process: the buyers who found it dry together wait for the same one.
    private readonly ConcurrentDictionary<string, Lazy<Task<Refill>>> _moves = new(StringComparer.Ordinal);

    /// <summary>What a refill did.</summary>
    /// <param name="Moved">Units moved in; 0 when no other pool has any; -1 when a move could not be made now (Redis
    /// away, or a donor not checked since a failover): the buyer should try again.</param>
    /// <param name="Unchecked">A key of the donor that answered NOSCRIPT: its primary must be checked (Pool/PoolVerifier.cs).</param>
    /// <param name="InTransit">When nothing moved: units a move took from one pool and has not given to another yet.</param>
    /// <param name="Contended">When nothing moved: other pools had units, but each donor tried was emptied first by others.</param>
    public readonly record struct Refill(int Moved, RedisKey? Unchecked = null, int InTransit = 0, bool Contended = false)
    {
        /// <summary>Nothing moved now, but units may still come: the buyer should look again shortly.</summary>
        public bool WorthWaiting => Moved == 0 && (InTransit > 0 || Contended);
    }

    /// <summary>Fills pool <paramref name="home"/> from the other pool with the most units left.</summary>
    public Task<Refill> RefillAsync(SalePools pools, int home, int wanted)
    {
        var key = pools[home].Tag;
        if (_dryAt.TryGetValue(key, out var at) && clock.GetElapsedTime(at) < DryFor) return Task.FromResult(new Refill(0));
        var mine = new Lazy<Task<Refill>>(() => MoveAndForgetAsync(key, pools, home, wanted));
        return _moves.GetOrAdd(key, mine).Value;
    }

    private async Task<Refill> MoveAndForgetAsync(string key, SalePools pools, int home, int wanted)
    {
        await Task.Yield();
        try
        {
            var refill = await MoveAsync(pools, home, wanted);
            if (refill is { Moved: 0, WorthWaiting: false }) _dryAt[key] = clock.GetTimestamp();
            else _dryAt.TryRemove(key, out _);
            return refill;
        }
        finally
        {
            _moves.TryRemove(key, out _);
        }
    }

    // A donor can run dry between the read and the take (its own buyers, another move): the next richest is tried.
    private async Task<Refill> MoveAsync(SalePools pools, int home, int wanted)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (refill, raced) = await MoveOnceAsync(pools, home, wanted);
            if (!raced) return refill;
            if (attempt == pools.Count) return refill with { Contended = true };
        }
    }

    /// <returns>What the move did, and whether its donor turned out dry (another donor may have units).</returns>
    private async Task<(Refill Refill, bool Raced)> MoveOnceAsync(SalePools pools, int home, int wanted)
    {
        var rdb = redis.GetDatabase();
        var others = Enumerable.Range(0, pools.Count).Where(i => i != home).ToArray();
        int[] left;
        try
        {
            left = (await Task.WhenAll(others.Select(i => rdb.StringGetAsync(pools[i].Remaining)))).Select(v => (int?)v ?? 0).ToArray();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Sale {SaleId}: reading its pools for a move failed: {Reason}", pools.SaleId, e.Message);
            return (new Refill(-1), false);
        }
        var richest = Array.IndexOf(left, left.Max());
        // Nothing to take: a move under way may still bring units (InTransit > 0 tells the buyer to look again).
        if (left[richest] <= 0) return (new Refill(0, InTransit: await InTransitAsync(pools)), false);
        // Half of the richest pool's units: few moves as a sale runs out, and no pool emptied for one buyer.
        var move = new Move(NewTransferId(), pools.SaleId, others[richest], home, Math.Max(wanted, (left[richest] + 1) / 2));
        await using (var conn = await db.OpenConnectionAsync())
            await conn.ExecuteAsync("""
                INSERT INTO pool_transfers (transfer_id, sale_id, from_pool, to_pool, units) VALUES (@TransferId, @SaleId, @FromPool, @ToPool, @Units)
                """, move);
        var moved = await FinishAsync(pools, move);
        if (moved > 0) FlashSaleMetrics.PoolTransfers.WithLabels(pools.SaleId).Inc();
        return moved == NoScript ? (new Refill(-1, pools[move.FromPool].Meta), false) : (new Refill(moved), moved == 0);
    }

    // FinishAsync's answer when the donor has not been checked since it became a primary.
    private const int NoScript = -2;

    private async Task<int> InTransitAsync(SalePools pools)
    {
        var rdb = redis.GetDatabase();
        try
        {
            var metas = await Task.WhenAll(pools.All.Select(keys => rdb.HashGetAsync(keys.Meta, ["movedOut", "movedIn"])));
            return metas.Sum(m => ((int?)m[0] ?? 0) - ((int?)m[1] ?? 0));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return 0;
        }
    }

    /// <summary>Takes from the donor (once), adds to the receiver (once), and books each step.</summary>
    /// <returns>Units the receiver got; -1 when the move waits for Redis, <see cref="NoScript"/> for its donor's check.</returns>
    private async Task<int> FinishAsync(SalePools pools, Move move)
    {
        var rdb = redis.GetDatabase();
        var donor = pools[move.FromPool];
        int taken;
        try
        {
            // By SHA only: a donor not yet checked after a failover must not hand out units (Pool/PoolVerifier.cs).
            taken = (int)await scripts.TransferOut.EvaluateCachedAsync(rdb, [donor.Meta, donor.Remaining, donor.TransfersOut],
                [move.TransferId, move.Taken ?? move.Units, "0"]);
        }
        catch (RedisServerException e) when (RedisScript.IsNoScript(e))
        {
            return NoScript;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Sale {SaleId}: move {TransferId} waits for Redis: {Reason}", pools.SaleId, move.TransferId, e.Message);
            return -1;
        }
        if (taken < 0) taken = 0; // the donor has no pool (never loaded, or gone): nothing was taken
        await BookAsync(move.TransferId, taken, taken == 0 ? "done" : "taken");
        if (taken == 0) return 0;

        var receiver = pools[move.ToPool];
        try
        {
            await scripts.TransferIn.EvaluateAsync(rdb, [receiver.Meta, receiver.Remaining, receiver.TransfersIn], [move.TransferId, taken]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Sale {SaleId}: move {TransferId} waits for Redis: {Reason}", pools.SaleId, move.TransferId, e.Message);
            return -1;
        }
        await BookAsync(move.TransferId, taken, "done");
        return taken;
    }

    private async Task BookAsync(string transferId, int taken, string state)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE pool_transfers SET taken = @taken, state = @state WHERE transfer_id = @transferId", new { transferId, taken, state });
    }

    /// <summary>Finishes the sale's moves left open longer than <paramref name="olderThan"/> (their process died, or Redis was away).</summary>
    /// <returns>How many were finished.</returns>
    public async Task<int> CompleteOpenAsync(SalePools pools, TimeSpan olderThan, CancellationToken ct)
    {
        if (!pools.Sharded) return 0;
        var open = await BookedAsync("state <> 'done' AND created_at < now() - @olderThan", new { pools.SaleId, olderThan }, ct);
        var finished = 0;
        foreach (var move in open)
            if (await FinishAsync(pools, move) >= 0) finished++;
        return finished;
    }

    /// <summary>
    /// Gives a rebuilt pool back its booked moves, before its claims are replayed (<see cref="PoolHealer"/>): what it
    /// gave (taken again, exactly) and what it got (added again). Each is once per transfer id, so what the pool still
    /// holds is left alone.
    /// </summary>
    /// <returns>Moves put back.</returns>
    public async Task<int> ReapplyAsync(SalePools pools, int index, CancellationToken ct)
    {
        if (!pools.Sharded) return 0;
        var booked = await BookedAsync("taken > 0 AND (from_pool = @index OR to_pool = @index)", new { pools.SaleId, index }, ct);
        var rdb = redis.GetDatabase();
        var keys = pools[index];
        var put = 0;
        foreach (var move in booked)
        {
            if (move.FromPool == index)
            {
                var before = await rdb.HashExistsAsync(keys.TransfersOut, move.TransferId);
                await scripts.TransferOut.EvaluateAsync(rdb, [keys.Meta, keys.Remaining, keys.TransfersOut], [move.TransferId, move.Taken!.Value, "1"]);
                if (!before) put++;
            }
            else if ((int)await scripts.TransferIn.EvaluateAsync(rdb, [keys.Meta, keys.Remaining, keys.TransfersIn], [move.TransferId, move.Taken!.Value]) == 1)
                put++;
        }
        return put;
    }

    /// <summary>The sale's booked moves that <paramref name="where"/> selects, oldest first.</summary>
    private async Task<List<Move>> BookedAsync(string where, object args, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<Move>(new CommandDefinition(
            $"SELECT transfer_id, sale_id, from_pool, to_pool, units, taken FROM pool_transfers WHERE sale_id = @SaleId AND {where} ORDER BY created_at",
            args, cancellationToken: ct))).AsList();
    }

    private static string NewTransferId() => "trf_" + Guid.CreateVersion7().ToString("N");

    private sealed class Move
    {
        public Move()
        {
        }

        public Move(string transferId, string saleId, int fromPool, int toPool, int units) =>
            (TransferId, SaleId, FromPool, ToPool, Units) = (transferId, saleId, fromPool, toPool, units);

        public string TransferId { get; init; } = "";
        public string SaleId { get; init; } = "";
        public int FromPool { get; init; }
        public int ToPool { get; init; }
        public int Units { get; init; }
        public int? Taken { get; init; }
    }
}
