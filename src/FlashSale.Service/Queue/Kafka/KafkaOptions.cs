using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>The Kafka transport's settings (<c>FlashSale:Kafka</c>); read only when <c>FlashSale:Queue:Transport</c> is <c>kafka</c>.</summary>
public sealed class KafkaOptions
{
    public const string Section = "FlashSale:Kafka";
    public const string TopicPattern = "^[A-Za-z0-9._-]{1,249}$";

    /// <summary>Comma-separated <c>host:port</c> list; required with the Kafka transport.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The winners' topic: key = sale id, so one sale's claims stay in one partition, in order.</summary>
    [RegularExpression(TopicPattern)] public string Topic { get; set; } = "flashsale.claims";

    /// <summary>Where claims go that failed <c>FlashSale:Queue:MaxDeliveries</c> times or cannot be read.</summary>
    [RegularExpression(TopicPattern)] public string DeadLetterTopic { get; set; } = "flashsale.claims.dead";

    /// <summary>Partitions of the claims topic when the service creates it: the most workers that can share the load.</summary>
    [Range(1, 10_000)] public int Partitions { get; set; } = 12;

    /// <summary>Replicas per partition when the service creates a topic; -1 takes the broker's default.</summary>
    [Range(-1, 32)] public short ReplicationFactor { get; set; } = -1;

    /// <summary>The workers' consumer group.</summary>
    [Required] public string ConsumerGroup { get; set; } = "flashsale-workers";

    /// <summary>How long the producer waits to fill a batch: a little latency for far fewer requests.</summary>
    [Range(0, 1000)] public int LingerMs { get; set; } = 5;

    /// <summary>Most messages in one produce batch.</summary>
    [Range(1, 1_000_000)] public int BatchMaxMessages { get; set; } = 10_000;

    /// <summary>Most bytes in one produce batch.</summary>
    [Range(1, 100_000_000)] public int BatchMaxBytes { get; set; } = 1_000_000;

    /// <summary>How long the producer keeps retrying one message before its delivery report says it failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")] public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A worker silent this long leaves the group and its partitions move to the others.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")] public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often acknowledged offsets are committed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Received but unacknowledged messages above which the consumer pauses fetching.</summary>
    [Range(1, 1_000_000)] public int MaxInFlight { get; set; } = 20_000;

    /// <summary>How long topic set-up waits for the broker's admin API at start.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")] public TimeSpan AdminTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Any other librdkafka setting (<c>security.protocol</c>, <c>sasl.*</c>, ...), applied to every client.</summary>
    public Dictionary<string, string> Settings { get; set; } = [];
}
