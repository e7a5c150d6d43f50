namespace FlashSale.Service.Claims;

/// <summary>The body of <c>POST /sales/{saleId}/claims</c>.</summary>
public sealed record ClaimRequest(string? UserId, int? Quantity, string? PaymentMethodId);

/// <summary>The answer to a claim: where to poll for its outcome (written by <see cref="ClaimEndpoint"/>; this record documents it).</summary>
/// <param name="HoldExpiresAt">Hold checkout: the units are this buyer's until then.</param>
/// <param name="CheckoutUrl">Hold checkout: where to pay.</param>
public sealed record ClaimAccepted(string ClaimId, string Status, string StatusUrl, DateTime? HoldExpiresAt = null, string? CheckoutUrl = null);

/// <summary>A claim as the storefront polls it.</summary>
public sealed record ClaimResponse(
    string ClaimId, string SaleId, string UserId, int Quantity, string Status,
    string? OrderId, string? FailureReason, DateTime UpdatedAt,
    DateTime? HoldExpiresAt = null, int? AttemptsLeft = null, string? LastPaymentError = null);
