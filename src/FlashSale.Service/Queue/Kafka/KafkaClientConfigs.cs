using Confluent.Kafka;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>The librdkafka configurations built from <see cref="KafkaOptions"/>: the delivery guarantees live here.</summary>
public static class KafkaClientConfigs
{
    public static ProducerConfig Producer(KafkaOptions options) => new(Common(options))
    {
        // Idempotence + acks=all: a retried send is written once, and only once every in-sync replica has it.
        EnableIdempotence = true,
        Acks = Acks.All,
        MaxInFlight = 5,
        LingerMs = options.LingerMs,
        BatchNumMessages = options.BatchMaxMessages,
        BatchSize = options.BatchMaxBytes,
        MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
        // Same key, same partition, with the hash the Java clients use, so every client agrees on a sale's partition.
        Partitioner = Partitioner.Murmur2Random,
    };

    public static ConsumerConfig Consumer(KafkaOptions options) => new(Common(options))
    {
        GroupId = options.ConsumerGroup,
        // Offsets move only when the worker acknowledges, i.e. after PostgreSQL committed the claims.
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        // A new group starts at the beginning: claims queued before the first worker joined are not skipped.
        AutoOffsetReset = AutoOffsetReset.Earliest,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        SessionTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds,
        HeartbeatIntervalMs = Math.Max(100, (int)options.SessionTimeout.TotalMilliseconds / 3),
        EnablePartitionEof = false,
        AllowAutoCreateTopics = true,
    };

    public static AdminClientConfig Admin(KafkaOptions options) => new(Common(options));

    private static Dictionary<string, string> Common(KafkaOptions options)
    {
        var common = new Dictionary<string, string>(options.Settings)
        {
            ["bootstrap.servers"] = options.BootstrapServers ?? "",
            ["client.id"] = $"flashsale-{Environment.MachineName}-{Environment.ProcessId}",
        };
        return common;
    }
}
