using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Queue;

public sealed class QueueOptions
{
    public const string Section = "FlashSale:Queue";

    /// <summary><c>redis</c> (Redis Streams, the default) or <c>kafka</c>.</summary>
    [RegularExpression("^(redis|kafka)$")] public string Transport { get; set; } = "redis";

    /// <summary>Most claims of one sale handled in one PostgreSQL transaction (a batch takes what is waiting, up to this).</summary>
    [Range(1, 1000)] public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Batches a worker handles at once on Redis Streams, so the queue keeps moving while earlier batches wait
    /// for the gateway. Kafka always takes one (its offsets are committed in order).
    /// </summary>
    [Range(1, 32)] public int BatchesInFlight { get; set; } = 8;

    /// <summary>How long a delivered, unacknowledged claim waits before another worker takes it over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan ReclaimAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Deliveries after which a claim that still fails goes to the dead-letter stream.</summary>
    [Range(1, 100)] public int MaxDeliveries { get; set; } = 10;

    /// <summary>Pause between polls while the queue is empty.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")] public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How long one receive waits for the queue reads of every hash slot; a slot slower than this (its master
    /// failing over) is collected by a later receive instead of holding up the others.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")] public TimeSpan SlowSlotWait { get; set; } = TimeSpan.FromMilliseconds(200);

    public string ConsumerGroup { get; set; } = "flashsale-workers";
}
