namespace FlashSale.Service.Orders;

/// <summary>
/// Sends order events onto the message transport. Returning means every event of the batch is durably
/// on the transport; throwing means some may be and some may not, so the relay sends the batch again.
/// </summary>
public interface IOrderEventPublisher
{
    Task PublishAsync(IReadOnlyList<OrderEvent> events, CancellationToken ct);
}
