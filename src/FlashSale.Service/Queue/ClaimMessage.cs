namespace FlashSale.Service.Queue;

/// <summary>An admitted claim on its way to the worker, as the admit script queued it.</summary>
public sealed record ClaimMessage(
    string ClaimId, string SaleId, string UserId, int Quantity, string PaymentMethodId, DateTimeOffset AdmittedAt);

/// <summary>One delivery of a message: redeliveries of the same claim carry the same message and a higher count.</summary>
/// <param name="Message">null when the entry could not be read (it goes to the dead letters).</param>
/// <param name="Token">Transport-specific handle for acknowledging this delivery.</param>
/// <param name="SaleId">What the transport reads from: on Redis Streams the pool's tag (the sale id for a sale's first pool, Pool/SalePools.cs).</param>
public sealed record ClaimDelivery(ClaimMessage? Message, string SaleId, long DeliveryCount, object Token);
