namespace FlashSale.Service.Claims;

/// <summary>A row of <c>claims</c>.</summary>
public sealed class ClaimRow
{
    public string ClaimId { get; init; } = "";
    public string SaleId { get; init; } = "";
    public string UserId { get; init; } = "";
    public int Quantity { get; init; }
    public string PaymentMethodId { get; init; } = "";
    public string Status { get; init; } = "";
    public string? OrderId { get; init; }
    public string? PaymentId { get; init; }
    public string? FailureReason { get; init; }
    public DateTime AdmittedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>Set once a worker is about to charge the claim: from then on it is settled, never expired.</summary>
    public DateTime? PaymentAttemptedAt { get; init; }

    public ClaimResponse ToResponse() => new(ClaimId, SaleId, UserId, Quantity, Status, OrderId, FailureReason, UpdatedAt);
}
