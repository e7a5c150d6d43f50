using System.Text.RegularExpressions;

namespace FlashSale.Core;

/// <summary>The contract's rules for a claim request; the per-user limit is checked atomically in Redis.</summary>
public static partial class ClaimRules
{
    public const int MaxPaymentMethodIdLength = 255;

    /// <param name="paymentMethodId">
    /// Null when left out: an immediate-checkout sale then refuses the claim (its admit script knows the sale's
    /// checkout, so the edge needs no lookup); a hold sale takes the payment method at checkout.
    /// </param>
    public static ValidationErrors Validate(string? userId, int? quantity, string? paymentMethodId)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrEmpty(userId)) errors.Add("userId", "userId is required.");
        else if (!UserIdShape().IsMatch(userId)) errors.Add("userId", "userId must be 1-128 characters of A-Z, a-z, 0-9, '.', '_', ':', '@' or '-'.");

        if (quantity is < 1 or > SaleRules.MaxPerUserLimit) errors.Add("quantity", "quantity must be at least 1 and at most the sale's perUserLimit.");

        if (paymentMethodId is not null) ValidatePaymentMethod(paymentMethodId, errors);
        return errors;
    }

    /// <summary>A payment method given (in a claim or a hold's checkout) must be a token.</summary>
    public static void ValidatePaymentMethod(string? paymentMethodId, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(paymentMethodId)) errors.Add("paymentMethodId", "paymentMethodId is required and must not be empty.");
        else if (paymentMethodId.Length > MaxPaymentMethodIdLength || !PaymentMethodShape().IsMatch(paymentMethodId))
            errors.Add("paymentMethodId", "paymentMethodId must be a payment method token such as \"pm_card_visa\".");
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:@-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserIdShape();

    // Tokens only: the id travels into the Redis stream and the gateway, so no separators or control characters.
    [GeneratedRegex(@"^[A-Za-z0-9_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex PaymentMethodShape();
}
