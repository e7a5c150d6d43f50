using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>The outbox relay at least once: a relay that dies after the publish and before the stamp loses nothing.</summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class OrderEventOutboxTests
{
    [Fact]
    public async Task A_relay_killed_between_the_publish_and_the_stamp_republishes_after_restart_without_loss_and_only_duplicates_event_ids()
    {
        var settings = new Dictionary<string, string?> { ["FlashSale:Outbox:PollInterval"] = "00:00:00.050" };
        await using var schema = await TestSchema.CreateAsync();
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var cards = new[] { "pm_card_visa", "pm_card_visa", "pm_card_chargeDeclined", "pm_card_visa", "pm_card_chargeDeclinedInsufficientFunds", "pm_card_mastercard" };
        string saleId;

        // First life: every publish reaches the stream, then the relay dies before PostgreSQL records it.
        await using (var dying = await IsolatedService.StartAsync(settings, services => services.AddSingleton<IOrderEventPublisher>(sp =>
                         new DiesAfterPublishing(ActivatorUtilities.CreateInstance<RedisStreamOrderEventPublisher>(sp))), schema))
        {
            saleId = (await dying.Admin.LiveSaleAsync(stock: cards.Length)).SaleId;
            for (var i = 0; i < cards.Length; i++) await StripeGatewayTests.ClaimAsync(dying, saleId, $"outbox-{i}", cards[i]);
            await Eventually.True(async () =>
            {
                var published = await OrderStream.PublishedAsync(dying.Redis, saleId, since);
                return published.GroupBy(f => f["eventId"]).Count(g => g.Count() >= 2) == cards.Length;
            }, TimeSpan.FromSeconds(30), "every event reached the stream more than once, each time without being stamped");
            Assert.All(await OrderStream.OutboxAsync(dying.Db, saleId), e => Assert.False(e.Published));
        }

        // Second life, with a healthy publisher: the backlog goes out and is stamped.
        await using var restarted = await IsolatedService.StartAsync(settings, schema: schema);
        await Eventually.True(async () => (await OrderStream.OutboxAsync(restarted.Db, saleId)).All(e => e.Published),
            TimeSpan.FromSeconds(30), "the restarted relay publishes and stamps every event");

        var outbox = await OrderStream.OutboxAsync(restarted.Db, saleId);
        var claims = await OrderStream.ClaimsAsync(restarted.Db, saleId);
        Assert.Equal(cards.Length, outbox.Count);
        Assert.Equal(claims.Keys.Order(), outbox.Select(e => e.ClaimId).Order());
        foreach (var e in outbox)
        {
            var (status, paymentId) = claims[e.ClaimId];
            if (status == "paid") Assert.Equal(("OrderPaid", paymentId, (string?)null), (e.Type, e.PaymentId, e.FailureReason));
            else Assert.Equal(("payment_failed", "OrderPaymentFailed", (string?)null), (status, e.Type, e.OrderId));
        }
        Assert.Equal(2, outbox.Count(e => e.Type == "OrderPaymentFailed"));

        var stream = await OrderStream.PublishedAsync(restarted.Redis, saleId, since);
        // Nothing lost: every event is on the stream; duplicates only repeat an event id, with the same content.
        Assert.Equal(outbox.Select(e => e.EventId.ToString()).Order(), stream.Select(f => f["eventId"]).Distinct().Order());
        foreach (var copies in stream.GroupBy(f => f["eventId"]))
            Assert.All(copies, c => Assert.Equal(copies.First().OrderBy(kv => kv.Key), c.OrderBy(kv => kv.Key)));
        foreach (var e in outbox)
        {
            var entry = stream.First(f => f["eventId"] == e.EventId.ToString());
            Assert.Equal((e.Type, e.ClaimId, e.AmountCents.ToString(), e.Currency, e.OrderId ?? ""),
                (entry["type"], entry["claimId"], entry["amountCents"], entry["currency"], entry["orderId"]));
        }
    }

    /// <summary>A relay process that dies right after its publish reached the stream.</summary>
    private sealed class DiesAfterPublishing(IOrderEventPublisher inner) : IOrderEventPublisher
    {
        public async Task PublishAsync(IReadOnlyList<OrderEvent> events, CancellationToken ct)
        {
            await inner.PublishAsync(events, ct);
            throw new IOException("relay died after publishing, before stamping the events published");
        }
    }
}
