namespace FlashSale.Service.Orders;

/// <summary>
/// What happened to an order, for downstream systems (fulfilment, accounting). Delivery is at least once:
/// a consumer dedupes by <see cref="EventId"/>, which is the same on every republish of the event.
/// </summary>
public sealed record OrderEvent(
    Guid EventId, string Type, string? OrderId, string ClaimId, string SaleId, long AmountCents, string Currency,
    string? PaymentId, string? FailureReason, DateTime CreatedAt)
{
    public const string OrderPaid = "OrderPaid";
    public const string OrderPaymentFailed = "OrderPaymentFailed";
}
