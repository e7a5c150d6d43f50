using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Orders;

public sealed class OutboxOptions
{
    public const string Section = "FlashSale:Outbox";

    /// <summary>Where order events are published (a Redis stream now; the topic name for Kafka later).</summary>
    [Required, MinLength(1)] public string Stream { get; set; } = "flashsale.orders";

    /// <summary>Pause between relay polls while nothing is waiting, and after a failed publish.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Events published and stamped per relay transaction.</summary>
    [Range(1, 10_000)] public int BatchSize { get; set; } = 1000;

    /// <summary>Approximate cap on the stream's length, so it cannot grow without bound; consumers must keep up.</summary>
    [Range(1000, 1_000_000_000)] public long StreamMaxLength { get; set; } = 1_000_000;
}
