using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Holds;

public sealed class HoldOptions
{
    public const string Section = "FlashSale:Holds";

    /// <summary>
    /// How often the expirer looks for holds past their end. A hold ends within this (plus one write) of its
    /// holdExpiresAt; the contract allows a second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:01")] public TimeSpan ExpiryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A checkout started with less than this left of its hold extends the hold to this, once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan PaymentGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most holds expired in one transaction.</summary>
    [Range(1, 10_000)] public int ExpiryBatchSize { get; set; } = 1000;
}
