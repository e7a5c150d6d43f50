using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Payments;

public sealed class PaymentOptions
{
    public const string Section = "FlashSale:Payments";

    /// <summary><c>simulated</c> (default) or <c>stripe</c>.</summary>
    [RegularExpression("^(simulated|stripe)$", ErrorMessage = "FlashSale:Payments:Provider must be 'simulated' or 'stripe'.")]
    public string Provider { get; set; } = "simulated";

    /// <summary>
    /// Charges in flight at once per worker process, across batches. Keep it within the gateway account's rate
    /// limit times its latency (Stripe's default live limit is 100 requests/s); the simulated gateway has none.
    /// </summary>
    [Range(1, 4096)] public int MaxConcurrentCharges { get; set; } = 1024;

    public SimulatedGatewayOptions Simulated { get; set; } = new();

    public StripeGatewayOptions Stripe { get; set; } = new();

    public PaymentResilienceOptions Resilience { get; set; } = new();

    public PendingPaymentOptions Pending { get; set; } = new();

    /// <summary>
    /// While a sale's charging is held after a configuration error (a refusal that is not the card's), one trial
    /// charge is let through this often; the first that the gateway does not refuse lifts the hold.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")] public TimeSpan HeldSaleTrialInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SimulatedGatewayOptions
{
    /// <summary>Latency of every simulated gateway call, for rehearsals.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Share of calls that fail transiently (0..1), as a flaky gateway would.</summary>
    [Range(0.0, 1.0)] public double TransientFailureRate { get; set; }

    /// <summary>
    /// Where the simulated client confirm posts its events (this service's own <c>/webhooks/stripe</c>); unset, the
    /// first address this process listens on.
    /// </summary>
    public Uri? WebhookUrl { get; set; }
}

public sealed class StripeGatewayOptions
{
    /// <summary>The secret key (<c>sk_test_...</c> / <c>sk_live_...</c>); required when the provider is stripe. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Where the Stripe API lives; tests and Stripe-compatible sandboxes point it elsewhere.</summary>
    public string ApiBase { get; set; } = "https://api.stripe.com";

    /// <summary>
    /// The signing secret (<c>whsec_...</c>) of the endpoint registered with Stripe for <c>POST /webhooks/stripe</c>;
    /// without it every event is refused. The simulated provider signs its own events with it, or, when it is not
    /// set, with a secret made at start for this process. Never logged.
    /// </summary>
    public string? WebhookSecret { get; set; }
}

/// <summary>The Polly pipeline around every gateway call: per-attempt timeout, retry, circuit breaker.</summary>
public sealed class PaymentResilienceOptions
{
    [Range(typeof(TimeSpan), "00:00:00.010", "00:02:00")] public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt, on transient failures only (same idempotency key every time).</summary>
    [Range(0, 10)] public int MaxRetries { get; set; } = 3;

    /// <summary>First backoff; it doubles per retry (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")] public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Share of failed attempts within <see cref="BreakerSamplingDuration"/> that opens the breaker.</summary>
    [Range(0.01, 1.0)] public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Attempts needed in the sampling window before the ratio counts.</summary>
    [Range(2, 100_000)] public int BreakerMinimumThroughput { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")] public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the breaker stays open before one trial call is let through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")] public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>The settler of claims whose charge outcome is unknown (<c>payment_pending</c>).</summary>
public sealed class PendingPaymentOptions
{
    /// <summary>Pause between two looks for pending claims.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A claim asked about and still unknown is asked again no sooner than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")] public TimeSpan RecheckAfter { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1, 1000)] public int BatchSize { get; set; } = 100;

    /// <summary>
    /// How long after a claim's first charge attempt its create may still be replayed with the same key to learn
    /// its outcome. Stripe keeps idempotency keys for at least 24 hours; past this, a replay could charge again,
    /// so the settler only looks the charge up, and a claim it cannot find stays payment_pending for a person
    /// (alert on flashsale_payment_pending_oldest_seconds).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan ReplayCreateWithin { get; set; } = TimeSpan.FromHours(23);
}
