using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Webhooks;

/// <summary>Delivery of events to the merchants' endpoints (<c>FlashSale:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "FlashSale:Webhooks";

    /// <summary>How long an event is retried before its delivery fails and the endpoint is disabled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")] public TimeSpan RetryFor { get; set; } = TimeSpan.FromDays(3);

    /// <summary>An attempt not answered 2xx within this failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")] public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The first retry's delay; each next one doubles it, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")] public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")] public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Loopback, private and link-local targets are refused outside Development unless this is true.</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>
    /// Deliveries in flight at once to one endpoint, per worker: a slow endpoint fills only its own share. A lease
    /// takes four rounds of these, so this also sets how many one lease query feeds: a sale night's backlog to one
    /// order system needs the larger batches (docs/webhooks.md#figures-as-of-now).
    /// </summary>
    [Range(1, 1024)] public int MaxConcurrentPerEndpoint { get; set; } = 128;

    /// <summary>Deliveries taken per look, across endpoints (taken in a random order of endpoints, so none is starved).</summary>
    [Range(1, 10_000)] public int BatchSize { get; set; } = 1000;

    /// <summary>Pause between looks while nothing is due.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A delivery taken by a worker is left to the others for this long; it must outlast <see cref="Timeout"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);
}
