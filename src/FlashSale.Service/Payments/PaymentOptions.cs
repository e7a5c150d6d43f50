using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Payments;

public sealed class PaymentOptions
{
    public const string Section = "FlashSale:Payments";

    /// <summary><c>simulated</c> (default). The Stripe provider is not part of this build yet.</summary>
    [RegularExpression("^simulated$", ErrorMessage = "FlashSale:Payments:Provider must be 'simulated' (the Stripe provider is not in this build yet).")]
    public string Provider { get; set; } = "simulated";

    /// <summary>Charges of one worker batch in flight at once.</summary>
    [Range(1, 256)] public int MaxConcurrentCharges { get; set; } = 32;

    public SimulatedGatewayOptions Simulated { get; set; } = new();
}

public sealed class SimulatedGatewayOptions
{
    /// <summary>Latency of every simulated gateway call, for rehearsals.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>Share of calls that fail transiently (0..1), as a flaky gateway would.</summary>
    [Range(0.0, 1.0)] public double TransientFailureRate { get; set; }
}
