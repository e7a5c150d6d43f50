namespace FlashSale.Service.Payments;

/// <summary>The payment port. The idempotency key makes every retry of one charge the same charge.</summary>
public interface IPaymentGateway
{
    Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken ct);
}

public sealed record ChargeRequest(
    string IdempotencyKey, long AmountCents, string Currency, string PaymentMethodId, string SaleId, string ClaimId)
{
    /// <summary>One key per claim, the same on every attempt, so the gateway charges a claim at most once.</summary>
    public static string IdempotencyKeyFor(string claimId) => $"flashsale-charge-{claimId}";
}

public enum ChargeOutcome
{
    Succeeded,
    Declined,
    /// <summary>Nothing is known about the charge (timeout, 5xx): retry with the same key.</summary>
    Transient,
}

public sealed record ChargeResult(ChargeOutcome Outcome, string? PaymentId = null, string? DeclineCode = null, string? Error = null)
{
    public static ChargeResult Succeeded(string paymentId) => new(ChargeOutcome.Succeeded, paymentId);
    public static ChargeResult Declined(string code) => new(ChargeOutcome.Declined, DeclineCode: code);
    public static ChargeResult Transient(string error) => new(ChargeOutcome.Transient, Error: error);
}
