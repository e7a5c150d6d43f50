namespace FlashSale.Service.Payments;

/// <summary>The payment port. The idempotency key makes every retry of one charge the same charge.</summary>
public interface IPaymentGateway
{
    Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken ct);

    /// <summary>
    /// Finds out what became of a charge whose outcome is unknown: the gateway's own record if it has one,
    /// else, when <paramref name="mayReplay"/>, the same charge again with the same idempotency key (which cannot
    /// charge twice while the gateway still remembers the key). <see cref="ChargeOutcome.Transient"/> means it is
    /// still unknown.
    /// </summary>
    /// <param name="mayReplay">False once the key may be forgotten (Stripe keeps keys about 24 hours): then a replayed
    /// create would be a new charge, so only the gateway's record is read.</param>
    Task<ChargeResult> ResolveAsync(ChargeRequest request, bool mayReplay, CancellationToken ct);

    /// <summary>
    /// Client confirm: a PaymentIntent of the request's amount for the storefront to confirm in the browser (3-D Secure
    /// included), charged by nobody here; its outcome arrives as a webhook. <see cref="ChargeOutcome.Succeeded"/> means
    /// created, with the intent's id and client secret; a repeat with the same key answers the same intent.
    /// </summary>
    Task<ChargeResult> CreateIntentAsync(ChargeRequest request, CancellationToken ct);

    /// <summary>Refunds a payment in full; every retry with the same key is the same refund.</summary>
    Task<ChargeResult> RefundAsync(RefundRequest request, CancellationToken ct);
}

/// <summary>The refund of a payment a claim cannot keep (it arrived after the claim's hold had ended).</summary>
public sealed record RefundRequest(string IdempotencyKey, string PaymentId, string ClaimId, string SaleId)
{
    /// <summary>One refund per claim: a claim keeps at most one payment, so it owes at most one refund.</summary>
    public static RefundRequest For(string claimId, string saleId, string paymentId) => new($"flashsale-refund-{claimId}", paymentId, claimId, saleId);
}

/// <param name="Attempt">0 for the one charge of an immediate-checkout claim; n ≥ 1 for the buyer's n-th checkout of a hold.</param>
public sealed record ChargeRequest(
    string IdempotencyKey, long AmountCents, string Currency, string PaymentMethodId, string SaleId, string ClaimId, int Attempt = 0)
{
    /// <summary>
    /// One key per charge attempt, the same on every retry of it, so the gateway runs each attempt at most once:
    /// an immediate claim has one attempt; a hold's buyer may try another payment method after a decline.
    /// </summary>
    public static string IdempotencyKeyFor(string claimId, int attempt = 0) =>
        attempt == 0 ? $"flashsale-charge-{claimId}" : $"flashsale-charge-{claimId}-{attempt}";

    public static ChargeRequest For(string claimId, string saleId, int quantity, string paymentMethodId, long priceCents, string currency, int attempt = 0) =>
        new(IdempotencyKeyFor(claimId, attempt), priceCents * quantity, currency, paymentMethodId, saleId, claimId, attempt);
}

public enum ChargeOutcome
{
    Succeeded,
    Declined,
    /// <summary>Nothing is known about the charge (timeout, 5xx): it may or may not have happened.</summary>
    Transient,
    /// <summary>Not sent: the circuit breaker is open. Try again later with the same key.</summary>
    CircuitOpen,
    /// <summary>
    /// Refused for a reason of the merchant's account or request, not the buyer's card (an unactivated payment
    /// method, an unsupported currency, an invalid amount): nothing was charged, and the claim is no decline.
    /// The sale's charging is held until the merchant fixes it (<see cref="SaleChargeHolds"/>).
    /// </summary>
    Refused,
}

/// <param name="ClientSecret">Of a PaymentIntent created for client confirm; for the storefront only, never logged.</param>
public sealed record ChargeResult(ChargeOutcome Outcome, string? PaymentId = null, string? DeclineCode = null, string? Error = null, string? ClientSecret = null)
{
    public static ChargeResult Succeeded(string paymentId) => new(ChargeOutcome.Succeeded, paymentId);
    public static ChargeResult IntentCreated(string paymentIntentId, string clientSecret) => new(ChargeOutcome.Succeeded, paymentIntentId, ClientSecret: clientSecret);
    public static ChargeResult Declined(string code) => new(ChargeOutcome.Declined, DeclineCode: code);
    public static ChargeResult Transient(string error) => new(ChargeOutcome.Transient, Error: error);
    public static ChargeResult CircuitOpen() => new(ChargeOutcome.CircuitOpen, Error: "payment circuit breaker is open");
    public static ChargeResult Refused(string code) => new(ChargeOutcome.Refused, Error: code);

    /// <summary>The metric label of the outcome.</summary>
    public string Label => Outcome switch
    {
        ChargeOutcome.Succeeded => "succeeded",
        ChargeOutcome.Declined => "declined",
        ChargeOutcome.Transient => "transient",
        ChargeOutcome.Refused => "refused",
        _ => "circuit_open",
    };
}
