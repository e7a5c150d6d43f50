using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Reconciliation;

public sealed class ReconcilerOptions
{
    public const string Section = "FlashSale:Reconciler";

    /// <summary>Time between passes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an admitted claim may be missing from both PostgreSQL and the queue before it is queued again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan RequeueGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a claim may hold stock with no payment attempt before it expires and gives it back.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromMinutes(10);
}
