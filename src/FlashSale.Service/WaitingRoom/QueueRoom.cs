using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using StackExchange.Redis;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// A sale's waiting room in Redis, the C# face of lua/queue_*.lua: tickets, the line, the shuffle's two ends, the
/// outflow's tick. Its keys are the sale's (<see cref="SaleKeys"/>), in the sale's one slot.
/// </summary>
public sealed class QueueRoom(IConnectionMultiplexer redis, RedisScripts scripts)
{
    /// <summary>The score of the first ticket taken after the start: every pre-queue rank is below it.</summary>
    public const double LateArrivals = 4294967296d;

    public async Task<(string Outcome, string TicketId)> JoinAsync(SaleRow sale, string userId, string ticketId)
    {
        var result = (RedisResult[])(await scripts.QueueJoin.EvaluateAsync(redis.GetDatabase(), new SaleKeys(sale.SaleId).RoomScriptKeys,
            [userId, ticketId, .. Settings(sale)]))!;
        return ((string)result[0]!, (string)result[1]!);
    }

    /// <summary>One round trip; null for a ticket the sale does not have.</summary>
    public async Task<TicketState?> PollAsync(string saleId, string ticketId)
    {
        var r = (RedisResult[])(await scripts.QueuePoll.EvaluateAsync(redis.GetDatabase(), new SaleKeys(saleId).RoomScriptKeys, [ticketId]))!;
        if ((string)r[0]! == "unknown") return null;
        return new TicketState((string)r[0]!, NullIfNegative((long)r[1]), NullIfNegative((long)r[2]), (long)r[3], (long)r[4],
            (string)r[5]!, (string)r[6]! == "1", (long)r[7], (long)r[8]);
    }

    /// <summary>One tick; null when the room is not shuffled yet (nobody may be admitted before).</summary>
    public async Task<(int Admitted, int Requeued)?> TickAsync(string saleId, TimeSpan maxCatchUp, int maxBatches = 64)
    {
        var r = (RedisResult[])(await scripts.QueueOutflow.EvaluateAsync(redis.GetDatabase(), new SaleKeys(saleId).RoomScriptKeys,
            [(long)maxCatchUp.TotalMilliseconds, maxBatches]))!;
        return (string)r[0]! == "ok" ? ((int)r[1], (int)r[2]) : null;
    }

    /// <summary>Written whether or not the room exists yet: the first script to make it keeps this rate.</summary>
    public Task SetOutflowAsync(string saleId, int outflowPerMinute) =>
        redis.GetDatabase().HashSetAsync(new SaleKeys(saleId).Room, "outflow", outflowPerMinute, flags: CommandFlags.DemandMaster);

    /// <summary>Tells the line the sale is sold out for good: every unit is paid (<see cref="SaleStore.AllPaidAsync"/>).</summary>
    public Task MarkSoldOutAsync(string saleId) =>
        redis.GetDatabase().HashSetAsync(new SaleKeys(saleId).Room, "soldOut", "1", flags: CommandFlags.DemandMaster);

    public async Task<(string State, long Count)> BeginShuffleAsync(SaleRow sale, string owner, TimeSpan lockFor)
    {
        var r = (RedisResult[])(await scripts.QueueShuffle.EvaluateAsync(redis.GetDatabase(), new SaleKeys(sale.SaleId).RoomScriptKeys,
            ["begin", owner, (long)lockFor.TotalMilliseconds, .. Settings(sale)]))!;
        return ((string)r[0]!, (long)r[1]);
    }

    public async Task<string[]> PrequeueAsync(string saleId, long start, long stop) =>
        (await redis.GetDatabase().ListRangeAsync(new SaleKeys(saleId).Prequeue, start, stop, CommandFlags.DemandMaster)).Select(v => (string)v!).ToArray();

    /// <summary>Puts a run of the shuffled pre-queue in line, from <paramref name="firstRank"/> on (idempotent for the line).</summary>
    public async Task WriteOrderAsync(string saleId, IReadOnlyList<string> tickets, long firstRank)
    {
        var keys = new SaleKeys(saleId);
        var db = redis.GetDatabase();
        var line = db.SortedSetAddAsync(keys.Line, tickets.Select((t, i) => new SortedSetEntry(t, firstRank + i)).ToArray(), CommandFlags.DemandMaster);
        var order = db.ListRightPushAsync(keys.PrequeueOrder, tickets.Select(t => (RedisValue)t).ToArray(), flags: CommandFlags.DemandMaster);
        await Task.WhenAll(line, order);
    }

    public async Task<bool> EndShuffleAsync(string saleId, string owner)
    {
        var r = (RedisResult[])(await scripts.QueueShuffle.EvaluateAsync(redis.GetDatabase(), new SaleKeys(saleId).RoomScriptKeys, ["end", owner]))!;
        return (string)r[0]! == "done";
    }

    public async Task<bool> IsShuffledAsync(string saleId) =>
        await redis.GetDatabase().HashGetAsync(new SaleKeys(saleId).Room, "shuffled") == "1";

    /// <summary>
    /// A page of the shuffled pre-queue after the ticket <paramref name="after"/> (null: from the start); null when
    /// <paramref name="after"/> is no pre-queue ticket.
    /// </summary>
    public async Task<(string[] Tickets, bool More)?> OrderPageAsync(string saleId, string? after, int limit)
    {
        var keys = new SaleKeys(saleId);
        var db = redis.GetDatabase();
        long start = 0;
        if (after is not null)
        {
            var score = await db.SortedSetScoreAsync(keys.Line, after);
            if (score is >= LateArrivals) score = (double?)await db.HashGetAsync(keys.PrequeueRanks, after);
            if (score is null or >= LateArrivals) return null;
            start = (long)score.Value + 1;
        }
        var page = await db.ListRangeAsync(keys.PrequeueOrder, start, start + limit);
        var more = page.Length > limit;
        return (page.Take(limit).Select(v => (string)v!).ToArray(), more);
    }

    public async Task<QueueCounts> CountsAsync(string saleId)
    {
        var keys = new SaleKeys(saleId);
        var db = redis.GetDatabase();
        var room = await db.HashGetAsync(keys.Room, ["shuffled", "admitScore", "pre", "admitted", "used", "outflow"]);
        var afterCursor = await db.SortedSetLengthAsync(keys.Line, (double?)room[1] ?? -1, double.PositiveInfinity, Exclude.Start);
        var waiting = room[0] == "1" ? afterCursor : afterCursor + ((long?)room[2] ?? 0);
        return new QueueCounts((int)waiting, (int?)room[3] ?? 0, (int?)room[4] ?? 0, (int?)room[5]);
    }

    private static RedisValue[] Settings(SaleRow sale) =>
        [UnixMs(sale.QueueOpensAt), UnixMs(sale.StartsAt), UnixMs(sale.EndsAt), sale.OutflowPerMinute, sale.TokenSeconds * 1000L];

    private static long UnixMs(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    private static long? NullIfNegative(long value) => value < 0 ? null : value;
}

/// <summary>A ticket as lua/queue_poll.lua reads it.</summary>
/// <param name="TokenExpiresAtMs">For an admitted (or lapsed) ticket, when its token runs out; else 0.</param>
/// <param name="Remaining">Units left in the pool, -1 before it is loaded.</param>
/// <param name="StartsAtMs">When the sale starts (and the pre-queue is shuffled), Unix milliseconds.</param>
public sealed record TicketState(
    string Status, long? Position, long? AheadOfYou, long TokenExpiresAtMs, long OutflowPerMinute, string UserId, bool SoldOut, long Remaining,
    long StartsAtMs);

/// <summary>Tickets waiting in line, admitted ever, and whose token made a claim; the rate, null before the room exists.</summary>
public sealed record QueueCounts(int Waiting, int Admitted, int Used, int? OutflowPerMinute);
