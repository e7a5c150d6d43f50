using FlashSale.Service.Ops;
using System.Net;
using System.Text.RegularExpressions;
using Stripe;

namespace FlashSale.Service.Payments;

/// <summary>
/// Stripe's answers as charge outcomes. Only a card error is a decline; anything that leaves the charge's fate
/// open (timeouts, network errors, 409 idempotency conflicts, 429, 5xx) is transient and retried with the
/// same key; any other request error is the merchant's to fix (refused: the claim keeps its unit and the sale's
/// charging is held), logged as Critical with its Stripe error code, ids and keys masked.
/// </summary>
internal static partial class StripeErrors
{
    public static ChargeResult FromIntent(PaymentIntent intent) => intent.Status switch
    {
        "succeeded" => ChargeResult.Succeeded(intent.Id),
        "requires_payment_method" when intent.LastPaymentError is { } error => ChargeResult.Declined(DeclineCodeOf(error)),
        "canceled" => ChargeResult.Declined("canceled"),
        // processing, requires_action, ...: not settled yet, so the claim waits as payment_pending.
        _ => ChargeResult.Transient($"payment intent is {intent.Status}"),
    };

    /// <summary>Failures of the call itself; a cancellation of our own token (shutdown, the pipeline's timeout) passes through.</summary>
    public static bool IsGatewayFailure(Exception e, CancellationToken ct) =>
        e is StripeException or HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested);

    public static ChargeResult Map(Exception e, string claimId, ILogger logger)
    {
        if (e is not StripeException stripe)
            return ChargeResult.Transient(e is OperationCanceledException ? "Stripe request timed out" : "network error calling Stripe");

        var status = (int)stripe.HttpStatusCode;
        var error = stripe.StripeError;
        if (error?.Type == "card_error") return ChargeResult.Declined(DeclineCodeOf(error));
        if (status is 409 or 429 or >= 500 || status == 0 || error?.Type is "api_error" or "api_connection_error")
            return ChargeResult.Transient($"Stripe answered {status} {error?.Code ?? error?.Type}".TrimEnd());
        if (error?.Type == "idempotency_error")
        {
            // The key was used with other parameters: whatever it did is unknown here, so never release stock on it.
            logger.LogError("Stripe refused the idempotency key of claim {ClaimId}: {Message}", claimId, Redact(error.Message));
            return ChargeResult.Transient("idempotency_error");
        }
        if (status is 401 or 403)
        {
            // A bad or revoked key is ours to fix, not the buyer's fault: hold the claim (payment_pending) until it is.
            logger.LogError("Stripe refused our credentials ({Status}); check FlashSale:Payments:Stripe:ApiKey", status);
            return ChargeResult.Transient($"Stripe answered {status}");
        }
        var code = error?.Code ?? error?.Type ?? $"stripe_{status}";
        if (error?.Param == "payment_method")
        {
            // The buyer's own payment method is unusable (unknown, detached): their claim fails, like a decline;
            // holding the sale for it would let one buyer stop everyone's charges.
            logger.LogWarning("Stripe refused the payment method of claim {ClaimId} ({Status} {Code}): {Message}",
                claimId, status, code, Redact(error.Message));
            return ChargeResult.Declined(code);
        }
        // Not the card: reselling the unit would fail the next buyer the same way. Held until the merchant fixes it.
        FlashSaleMetrics.PaymentConfigurationErrors.WithLabels(code).Inc();
        logger.LogCritical("Stripe refused the charge of claim {ClaimId} for a reason of the account or request, not the card ({Status} {Type} {Code}): " +
                           "{Message}. The sale's charging is held until a trial charge goes through.",
            claimId, status, error?.Type, code, Redact(error?.Message ?? stripe.Message));
        return ChargeResult.Refused(code);
    }

    private static string DeclineCodeOf(StripeError error) => error.DeclineCode ?? error.Code ?? "card_declined";

    /// <summary>Masks Stripe object ids and keys (payment methods, secret keys) that error messages quote.</summary>
    public static string Redact(string? message) => message is null ? "" : StripeIdShape().Replace(message, m => m.Groups[1].Value + "_***");

    [GeneratedRegex(@"\b(pm|sk_live|sk_test|rk_live|rk_test|pk_live|pk_test|sk|rk|pk|card|src|tok|seti|pi|ch|cus)_[A-Za-z0-9_*]+", RegexOptions.CultureInvariant)]
    private static partial Regex StripeIdShape();
}
