using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Orders;

/// <summary>Order events as entries of one Redis stream (<c>flashsale.orders</c>), one flat field per member.</summary>
public sealed class RedisStreamOrderEventPublisher(IConnectionMultiplexer redis, IOptions<OutboxOptions> options) : IOrderEventPublisher
{
    public async Task PublishAsync(IReadOnlyList<OrderEvent> events, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var stream = (RedisKey)options.Value.Stream;
        var maxLength = options.Value.StreamMaxLength;
        // Sent together (pipelined); awaited together, so a failure of any one fails the batch.
        await Task.WhenAll(events.Select(e => db.StreamAddAsync(stream, Fields(e), maxLength: maxLength, useApproximateMaxLength: true)));
    }

    public static NameValueEntry[] Fields(OrderEvent e) =>
    [
        new("eventId", e.EventId.ToString()),
        new("type", e.Type),
        new("orderId", e.OrderId ?? ""),
        new("claimId", e.ClaimId),
        new("saleId", e.SaleId),
        new("amountCents", e.AmountCents),
        new("currency", e.Currency),
        new("paymentId", e.PaymentId ?? ""),
        new("failureReason", e.FailureReason ?? ""),
        new("createdAt", new DateTimeOffset(DateTime.SpecifyKind(e.CreatedAt, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture)),
    ];
}
