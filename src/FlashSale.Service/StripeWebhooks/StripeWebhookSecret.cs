using System.Security.Cryptography;
using FlashSale.Service.Payments;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.StripeWebhooks;

/// <summary>
/// The secret Stripe's events are signed with: <c>FlashSale:Payments:Stripe:WebhookSecret</c>. The simulated provider
/// signs its own events, so without a configured secret it makes one for this process (its client confirm posts to
/// this same process); a Stripe deployment without one refuses every event.
/// </summary>
public sealed class StripeWebhookSecret(IOptions<PaymentOptions> options)
{
    private readonly string? _value = options.Value.Stripe.WebhookSecret is { Length: > 0 } configured
        ? configured
        : options.Value.Provider == "simulated" ? "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) : null;

    public string? Value => _value;
}
