using Confluent.Kafka;
using StackExchange.Redis;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// How often each Kafka message has been handed out, by any worker process: Redis hashes keyed by topic,
/// partition and block of offsets, one field per offset. Like the XPENDING counter on Redis Streams it survives
/// restarts and partition moves, so a message that kills its worker every time still reaches MaxDeliveries.
/// </summary>
internal sealed class KafkaDeliveryCounts(IConnectionMultiplexer redis, ILogger logger)
{
    // A block stops being written once its partition moved past it, so the TTL then clears what a lost delete left.
    public const long OffsetsPerKey = 100_000;
    public static readonly TimeSpan Ttl = TimeSpan.FromDays(7);

    private volatile bool _degraded;

    // No hash tag on purpose: every command names one key, so partitions spread over a cluster's slots.
    public static RedisKey Key(TopicPartition partition, long offset) =>
        $"fs:kafka:{partition.Topic}:{partition.Partition.Value}:deliveries:{offset / OffsetsPerKey}";

    /// <summary>
    /// Counts one more hand-out of each entry and sets its <see cref="KafkaEntry.DeliveryCount"/> to the total,
    /// in one pipelined round trip for the whole batch.
    /// </summary>
    public async Task CountAsync(IReadOnlyList<KafkaEntry> entries)
    {
        if (entries.Count == 0) return;
        // Redis down must not stop the claims: the entries keep their in-memory count (exact within this process).
        if (!redis.IsConnected)
        {
            Degrade("not connected");
            return;
        }
        try
        {
            var batch = redis.GetDatabase().CreateBatch();
            var increments = new Task<long>[entries.Count];
            var keys = new HashSet<RedisKey>();
            for (var i = 0; i < entries.Count; i++)
            {
                var key = Key(entries[i].Ledger.Partition, entries[i].Offset);
                increments[i] = batch.HashIncrementAsync(key, entries[i].Offset);
                if (keys.Add(key)) _ = batch.KeyExpireAsync(key, Ttl, flags: CommandFlags.FireAndForget);
            }
            batch.Execute();
            var counts = await Task.WhenAll(increments);
            for (var i = 0; i < entries.Count; i++) entries[i].DeliveryCount = (int)Math.Min(counts[i], int.MaxValue);
            if (_degraded)
            {
                _degraded = false;
                logger.LogInformation("Kafka delivery counts are kept in Redis again");
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Degrade(e.Message);
        }
    }

    /// <summary>Deletes the counters of acknowledged entries: one command per key, not awaited (the TTL backs it up).</summary>
    public void Forget(IEnumerable<KafkaEntry> entries)
    {
        try
        {
            var db = redis.GetDatabase();
            foreach (var block in entries.GroupBy(e => Key(e.Ledger.Partition, e.Offset)))
                db.HashDelete(block.Key, block.Select(e => (RedisValue)e.Offset).ToArray(), CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogDebug("Kafka delivery counters not deleted ({Reason}); they expire after {Ttl}", e.Message, Ttl);
        }
    }

    private void Degrade(string reason)
    {
        if (_degraded) return;
        _degraded = true;
        logger.LogWarning("Kafka delivery counts cannot be kept in Redis ({Reason}); counting in memory, so a restart resets them until Redis answers",
            reason);
    }
}
