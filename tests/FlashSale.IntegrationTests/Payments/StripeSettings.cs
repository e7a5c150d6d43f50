using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>A host charging through the Stripe provider against <see cref="FakeStripe"/>, with test-sized delays.</summary>
internal static class StripeSettings
{
    public static Dictionary<string, string?> For(FakeStripe stripe, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Provider"] = "stripe",
            ["FlashSale:Payments:Stripe:ApiKey"] = FakeStripe.ApiKey,
            ["FlashSale:Payments:Stripe:ApiBase"] = stripe.Url,
            ["FlashSale:Payments:Resilience:AttemptTimeout"] = "00:00:03",
            ["FlashSale:Payments:Resilience:MaxRetries"] = "2",
            ["FlashSale:Payments:Resilience:RetryBaseDelay"] = "00:00:00.020",
            ["FlashSale:Payments:Resilience:RetryMaxDelay"] = "00:00:00.100",
            // Out of the way unless a test is about the breaker.
            ["FlashSale:Payments:Resilience:BreakerMinimumThroughput"] = "1000",
            ["FlashSale:Payments:Pending:Interval"] = "00:00:00.100",
            ["FlashSale:Payments:Pending:RecheckAfter"] = "00:00:00.200",
            ["FlashSale:Outbox:PollInterval"] = "00:00:00.050",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }
}
