namespace FlashSale.Client;

/// <summary>
/// What a buyer claims. Immutable, so a retry sends exactly this again: the same user's claim is the contract's replay
/// (<c>200</c>, the same claim, no second unit), never a second claim.
/// </summary>
/// <param name="PaymentMethodId">Immediate checkout: charged at once. Leave it null in a hold sale (paid through checkout).</param>
public sealed record ClaimRequest(string UserId, int Quantity = 1, string? PaymentMethodId = null);

/// <summary>The answer to a claim: <c>202</c> for a new one, <c>200</c> (<see cref="IsReplay"/>) for this user's existing one.</summary>
public sealed record ClaimAnswer(string ClaimId, string Status, string StatusUrl, DateTimeOffset? HoldExpiresAt, string? CheckoutUrl)
{
    /// <summary>This user had claimed already (a retry, a double click, a second device): the same claim, no stock taken.</summary>
    public bool IsReplay { get; init; }
}

/// <summary>A claim as <c>GET /sales/{saleId}/claims/{claimId}</c> shows it.</summary>
public sealed record Claim(
    string ClaimId, string SaleId, string UserId, int Quantity, string Status, string? OrderId, string? FailureReason,
    DateTimeOffset UpdatedAt, DateTimeOffset? HoldExpiresAt = null, int? AttemptsLeft = null, string? LastPaymentError = null)
{
    public bool IsTerminal => ClaimStatuses.IsTerminal(Status);
}

/// <summary>A sale as buyers see it.</summary>
public sealed record PublicSale(
    string SaleId, string Name, long PriceCents, string Currency, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
    string Status, int Remaining, int PerUserLimit);

/// <summary>A client-confirm checkout: the PaymentIntent for Stripe.js to confirm in the buyer's browser.</summary>
public sealed record ClientCheckout(string PaymentIntentId, string ClientSecret);

/// <summary>A waiting-room ticket. Once <c>admitted</c>, <see cref="AdmissionToken"/> goes with the claim.</summary>
public sealed record Ticket(
    string TicketId, string Status, long? Position, long? AheadOfYou, long? EtaSeconds, bool SoldOut,
    string? AdmissionToken, DateTimeOffset? TokenExpiresAt, int PollAfterSeconds);
