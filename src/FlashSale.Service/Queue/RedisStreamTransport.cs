using System.Globalization;
using FlashSale.Service.Ops;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Queue;

/// <summary>
/// The winners' queue on Redis Streams: one stream per sale (written by the admit script, so it shares the
/// sale's hash slot), read by one consumer group. Entries are acknowledged and deleted only after their
/// effects are committed. An entry's idle time is its lease: the receiver renews it while it works
/// (lua/lease.lua), and only entries idle past ReclaimAfter (their consumer died or lost Redis, or left them
/// for a retry) are taken over with XAUTOCLAIM.
/// </summary>
public sealed class RedisStreamTransport(
    IConnectionMultiplexer redis, ActiveSales activeSales, ReplicaAcks replicas, RedisScripts scripts, IOptions<QueueOptions> options,
    TimeProvider clock, ILogger<RedisStreamTransport> logger)
    : IClaimTransport
{
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private long _lastReclaim = clock.GetTimestamp();

    // Reads still in flight, by hash slot (one key, -1, when Redis is not a cluster). Receives come one at a time
    // (the delivery loop awaits each), so only that caller touches this.
    private readonly Dictionary<int, Task<SlotRead>> _reads = [];

    // The last round of takeovers, while some of its sales' masters have not answered yet.
    private Task<IReadOnlyList<ClaimDelivery>?>[] _reclaims = [];

    private QueueOptions Options => options.Value;

    public async Task<IReadOnlyList<IReadOnlyList<ClaimDelivery>>> ReceiveAsync(int maxPerSale, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var sales = await activeSales.ListAsync(Options.SlowSlotWait, clock);
        var batches = new List<IReadOnlyList<ClaimDelivery>>();
        if (sales.Length > 0)
        {
            if (_reclaims.Length == 0 && clock.GetElapsedTime(Interlocked.Read(ref _lastReclaim)) >= ReclaimInterval)
            {
                // All sales at once (pipelined): one by one, hundreds of active sales made a pass outlast the
                // interval, and the worker did little else than look for abandoned entries.
                _reclaims = sales.Select(saleId => ReclaimAsync(db, saleId, maxPerSale)).ToArray();
                Interlocked.Exchange(ref _lastReclaim, clock.GetTimestamp());
            }
            if (_reclaims.Length > 0)
            {
                // A sale whose master is slow does not hold the others' takeovers back: it is collected later.
                await Task.WhenAny(Task.WhenAll(_reclaims), Task.Delay(Options.SlowSlotWait, clock));
                batches.AddRange(_reclaims.Where(r => r.IsCompleted).Select(r => r.Result).OfType<IReadOnlyList<ClaimDelivery>>());
                _reclaims = _reclaims.Where(r => !r.IsCompleted).ToArray();
            }
            await ReadNewAsync(db, sales, maxPerSale, batches);
        }
        if (batches.Count == 0) await Task.Delay(Options.IdlePoll, clock, ct);
        return batches;
    }

    // Often enough that an abandoned entry waits little more than ReclaimAfter.
    private TimeSpan ReclaimInterval => TimeSpan.FromTicks(Math.Max(Options.ReclaimAfter.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));

    private sealed record SlotRead(string[] Sales, RedisStream[]? Streams, Exception? Error);

    /// <summary>
    /// One XREADGROUP per hash slot (a cluster refuses one over several slots), all side by side. A slot whose
    /// master is slow or failing over does not hold up the others: its read stays in flight and is collected by a
    /// later receive, while this one returns what the others brought.
    /// </summary>
    private async Task ReadNewAsync(IDatabase db, string[] sales, int maxPerSale, List<IReadOnlyList<ClaimDelivery>> batches)
    {
        var cluster = IsCluster();
        foreach (var slot in sales.GroupBy(s => cluster ? redis.HashSlot(new SaleKeys(s).Queue) : -1))
            if (!_reads.ContainsKey(slot.Key)) _reads[slot.Key] = ReadSlotAsync(db, slot.ToArray(), maxPerSale);

        var all = Task.WhenAll(_reads.Values);
        await Task.WhenAny(all, Task.Delay(Options.SlowSlotWait, clock));
        Exception? firstError = null;
        var succeeded = 0;
        foreach (var (slot, read) in _reads.Where(r => r.Value.IsCompleted).ToArray())
        {
            _reads.Remove(slot);
            var result = await read;
            if (result.Error is not null)
            {
                firstError ??= result.Error;
                continue;
            }
            succeeded++;
            foreach (var stream in result.Streams!.Where(s => s.Entries.Length > 0))
            {
                var saleId = SaleKeys.TagOfQueue(stream.Key);
                // With AdmitReplicas, only claims that replicas hold are handled: one PostgreSQL took from a primary
                // that then died unreplicated would be a claim Redis forgot and its buyer could make again. Left
                // unacknowledged, they come back through XAUTOCLAIM.
                if (!await replicas.AcknowledgedAsync(saleId)) continue;
                var records = await QueueEntry.ReadRecordsAsync(db, new SaleKeys(saleId), stream.Entries);
                batches.Add(stream.Entries.Select(e => ToDelivery(saleId, e, 1, records)).ToArray());
            }
        }
        // Nothing answered at all: let the delivery loop back off; otherwise the failed slots are read again next time.
        if (firstError is not null && succeeded == 0 && batches.Count == 0) throw firstError;
        if (firstError is not null) logger.LogWarning("Reading the claim queues of some slots failed: {Reason}", firstError.Message);
    }

    private bool IsCluster()
    {
        foreach (var server in redis.GetServers())
            if (server.ServerType == ServerType.Cluster) return true;
        return false;
    }

    private async Task<SlotRead> ReadSlotAsync(IDatabase db, string[] sales, int maxPerSale)
    {
        var positions = sales.Select(s => new StreamPosition(new SaleKeys(s).Queue, StreamPosition.NewMessages)).ToArray();
        try
        {
            return new SlotRead(sales, await db.StreamReadGroupAsync(positions, Options.ConsumerGroup, _consumer, maxPerSale), null);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // Redis lost a stream or its group (restart without persistence): recreate them, read next time.
            logger.LogWarning("Consumer group missing on a sale queue; recreating");
            foreach (var saleId in sales)
                await db.ExecuteAsync("XGROUP", "CREATE", new SaleKeys(saleId).Queue, Options.ConsumerGroup, "0", "MKSTREAM")
                    .ContinueWith(_ => { }, TaskScheduler.Default);
            return new SlotRead(sales, [], null);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new SlotRead(sales, null, e);
        }
    }

    /// <returns>The sale's entries taken over from consumers that stopped answering, or null.</returns>
    private async Task<IReadOnlyList<ClaimDelivery>?> ReclaimAsync(IDatabase db, string saleId, int max)
    {
        var keys = new SaleKeys(saleId);
        try
        {
            var claimed = await db.StreamAutoClaimAsync(keys.Queue, Options.ConsumerGroup, _consumer,
                (long)Options.ReclaimAfter.TotalMilliseconds, "0-0", max);
            var entries = claimed.ClaimedEntries.Where(e => !e.IsNull).ToArray();
            var length = await db.StreamLengthAsync(keys.Queue);
            FlashSaleMetrics.QueuePending.WithLabels(saleId).Set(length);
            if (entries.Length == 0)
            {
                await ForgetIfFinishedAsync(db, keys, length);
                return null;
            }
            var pending = await db.StreamPendingMessagesAsync(keys.Queue, Options.ConsumerGroup, entries.Length, _consumer,
                entries[0].Id, entries[^1].Id);
            var counts = pending.ToDictionary(p => (string)p.MessageId!, p => (long)p.DeliveryCount);
            FlashSaleMetrics.QueueTakeovers.Inc(entries.Length);
            logger.LogInformation("Took over {Count} claims of sale {SaleId} whose lease lapsed (their consumer stopped renewing it or left them for a retry)",
                entries.Length, saleId);
            var records = await QueueEntry.ReadRecordsAsync(db, keys, entries);
            return entries.Select(e => ToDelivery(saleId, e, counts.GetValueOrDefault((string)e.Id!, 2), records)).ToArray();
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // ReadNewAsync recreates it.
            return null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Its master is away: the entries wait for the next round (or for another worker).
            logger.LogWarning("Taking over entries of sale {SaleId} failed: {Reason}", saleId, e.Message);
            return null;
        }
    }

    // A drained queue of a closed or ended sale needs no more polling: the admit script adds nothing to it any
    // more (the reconciler puts the sale back when it re-queues a claim). The admit script judges the window by
    // Redis's clock; the minute's grace covers this worker's clock running ahead of it.
    private const long EndedGraceMs = 60_000;

    private async Task ForgetIfFinishedAsync(IDatabase db, SaleKeys keys, long length)
    {
        if (length > 0) return;
        var meta = await db.HashGetAsync(keys.Meta, ["status", "endsAt"]);
        var ended = long.TryParse((string?)meta[1], out var endsAtMs) && clock.GetUtcNow().ToUnixTimeMilliseconds() >= endsAtMs + EndedGraceMs;
        if (meta[0] == "closed" || ended) await activeSales.RemoveAsync(keys.Tag);
    }

    // The registry lists pools (a sale of several has one queue per pool, Pool/SalePools.cs): the delivery names the
    // pool, whose queue it is acknowledged on; the message names the sale.
    private static ClaimDelivery ToDelivery(string tag, StreamEntry entry, long deliveryCount, IReadOnlyDictionary<string, PoolClaim> records) =>
        new(QueueEntry.Parse(SalePools.SaleIdOf(tag), entry, records), tag, deliveryCount, entry.Id);

    public async Task AcknowledgeAsync(IReadOnlyList<ClaimDelivery> deliveries, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        foreach (var group in deliveries.GroupBy(d => d.SaleId))
        {
            var key = new SaleKeys(group.Key).Queue;
            var ids = group.Select(d => (RedisValue)d.Token).ToArray();
            // Deleting after the ack keeps the stream at the size of the work still to do.
            var ack = db.StreamAcknowledgeAsync(key, Options.ConsumerGroup, ids);
            var del = db.StreamDeleteAsync(key, ids);
            var left = db.StreamLengthAsync(key);
            await Task.WhenAll(ack, del, left);
            FlashSaleMetrics.QueuePending.WithLabels(group.Key).Set(left.Result);
        }
    }

    public async Task DeadLetterAsync(ClaimDelivery delivery, string reason, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var keys = new SaleKeys(delivery.SaleId);
        var entries = await db.StreamRangeAsync(keys.Queue, (RedisValue)delivery.Token, (RedisValue)delivery.Token);
        var fields = entries.Length == 1 ? entries[0].Values.ToList() : [];
        // The one-field entry (Pool/QueueEntry.cs) is bytes: name the claim in text, for whoever reads the dead letters.
        if (entries.Length == 1 && entries[0]["claimId"].IsNull && ClaimIdOf(delivery, entries[0]) is { } claimId)
            fields.Insert(0, new NameValueEntry("claimId", claimId));
        fields.Add(new NameValueEntry("originalId", (RedisValue)delivery.Token));
        fields.Add(new NameValueEntry("deliveries", delivery.DeliveryCount));
        fields.Add(new NameValueEntry("reason", reason));
        await db.StreamAddAsync(keys.DeadLetters, [.. fields]);
        await AcknowledgeAsync([delivery], ct);
        FlashSaleMetrics.DeadLetters.Inc();
        logger.LogError("Claim queue entry {EntryId} of sale {SaleId} moved to the dead letters: {Reason}", delivery.Token, delivery.SaleId, reason);
    }

    // The claim an entry names, read or not (a key-only entry whose record is gone is still named by its key).
    private static string? ClaimIdOf(ClaimDelivery delivery, StreamEntry entry)
    {
        if (delivery.Message is { } claim) return claim.ClaimId;
        var field = entry[QueueEntry.Field];
        return !field.IsNull && ((byte[])field!).Length >= 16 ? RedisClaimId.FromRedis(((byte[])field!)[..16]) : null;
    }

    // Three renewals per ReclaimAfter: one late or lost renewal does not let the lease lapse.
    public TimeSpan? LeaseRenewal => Options.ReclaimAfter / 3;

    public async Task<int> RenewAsync(IReadOnlyList<ClaimDelivery> deliveries, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var renewals = deliveries.GroupBy(d => d.SaleId).Select(async sale =>
        {
            var args = new RedisValue[] { Options.ConsumerGroup, _consumer }.Concat(sale.Select(d => (RedisValue)d.Token)).ToArray();
            return (int)await scripts.Lease.EvaluateAsync(db, [new SaleKeys(sale.Key).Queue], args);
        });
        return (await Task.WhenAll(renewals)).Sum();
    }

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
    }
}
