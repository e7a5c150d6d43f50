using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>Stripe failing: the breaker makes claims wait, and an unknown outcome is settled later, never guessed.</summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class StripeOutageTests
{
    private const int MaxDeliveries = 2;

    [Fact]
    public async Task A_5xx_burst_opens_the_breaker_claims_wait_confirmed_past_max_deliveries_then_are_charged_once_after_it_closes()
    {
        using var stripe = new FakeStripe { Outage = true };
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Resilience:MaxRetries"] = "1",
            ["FlashSale:Payments:Resilience:BreakerMinimumThroughput"] = "3",
            ["FlashSale:Payments:Resilience:BreakerFailureRatio"] = "0.5",
            ["FlashSale:Payments:Resilience:BreakerSamplingDuration"] = "00:00:10",
            ["FlashSale:Payments:Resilience:BreakerBreakDuration"] = "00:00:01",
            ["FlashSale:Queue:ReclaimAfter"] = "00:00:00.300",
            ["FlashSale:Queue:MaxDeliveries"] = MaxDeliveries.ToString(),
        }));
        var resilience = app.Get<PaymentResilience>();
        var sale = await app.Admin.LiveSaleAsync(stock: 6);
        var keys = new SaleKeys(sale.SaleId);
        var claimIds = new List<string>();
        for (var i = 0; i < 6; i++) claimIds.Add(await StripeGatewayTests.ClaimAsync(app, sale.SaleId, $"outage-{i}", "pm_card_visa"));

        await Eventually.True(() => Task.FromResult(resilience.CircuitState == CircuitState.Open), TimeSpan.FromSeconds(30), "the breaker opens");
        // Claims waiting for the breaker stay unacknowledged and keep coming back: wait until each has come back
        // more often than MaxDeliveries allows a failing entry, and check none went to the dead letters.
        await Eventually.True(async () =>
        {
            var pending = await app.Redis.StreamPendingMessagesAsync(keys.Queue, "flashsale-workers", 100, RedisValue.Null);
            var claims = await OrderStream.ClaimsAsync(app.Db, sale.SaleId);
            var waiting = claims.Count(c => c.Value.Status == "confirmed");
            return waiting > 0 && pending.Length == waiting && pending.All(p => p.DeliveryCount > MaxDeliveries + 1);
        }, TimeSpan.FromSeconds(30), "every claim still confirmed has been delivered more than MaxDeliveries times");

        var during = await OrderStream.ClaimsAsync(app.Db, sale.SaleId);
        Assert.Equal(6, during.Count);
        Assert.All(during.Values, c => Assert.Contains(c.Status, new[] { "confirmed", "payment_pending" }));
        Assert.Equal(0, await app.Redis.StreamLengthAsync(keys.DeadLetters));
        var held = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((6, 0, 0, 0), (held.Sold, held.Remaining, held.Paid, held.Released));
        Assert.Empty(stripe.Intents);

        stripe.Outage = false;
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 6,
            TimeSpan.FromSeconds(30), "every waiting claim is charged once the breaker closes");

        Assert.Equal(CircuitState.Closed, resilience.CircuitState);
        Assert.Equal(6, stripe.Intents.Count);
        foreach (var claimId in claimIds)
        {
            Assert.Single(stripe.IntentsOf(claimId));
            Assert.All(stripe.CreateRequests.Where(r => r.RequestMessage.Body!.Contains(claimId)),
                r => Assert.Equal(ChargeRequest.IdempotencyKeyFor(claimId), FakeStripe.Header(r, "Idempotency-Key")));
        }
        var after = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((6, 6, 0, 0), (after.Paid, after.Sold, after.Remaining, after.InFlight));
        Assert.Equal(0, await app.Redis.StreamLengthAsync(keys.Queue));
        Assert.Equal(0, await app.Redis.StreamLengthAsync(keys.DeadLetters));

        var metrics = await app.Admin.Http.GetStringAsync("/metrics");
        Assert.Contains("flashsale_payment_circuit_state ", metrics);
        Assert.Contains("flashsale_payments_total{outcome=\"circuit_open\"}", metrics);
        Assert.Contains("flashsale_payment_retries_total ", metrics);
    }

    [Fact]
    public async Task An_unknown_outcome_ends_payment_pending_holding_stock_and_the_settler_settles_it_both_ways()
    {
        // Stripe does the work but the answer is lost as a 500, which it repeats for the key; its search lags.
        using var stripe = new FakeStripe { LoseAnswers = true, SearchIndexed = false };
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe));
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        var paidId = await StripeGatewayTests.ClaimAsync(app, sale.SaleId, "unknown-visa", "pm_card_visa");
        var failedId = await StripeGatewayTests.ClaimAsync(app, sale.SaleId, "unknown-declined", "pm_card_chargeDeclined");

        await Eventually.True(async () => await OrderStream.ClaimsAsync(app.Db, sale.SaleId) is { Count: 2 } claims
                && claims.Values.All(c => c.Status == "payment_pending"),
            TimeSpan.FromSeconds(30), "both claims are payment_pending after the retries");
        // The settler asks (search finds nothing yet, the replayed create gets the same 500) and must not guess.
        await Eventually.True(() => Task.FromResult(stripe.SearchRequests.Count >= 4), TimeSpan.FromSeconds(30), "the settler asked Stripe about both, twice");
        Assert.All((await OrderStream.ClaimsAsync(app.Db, sale.SaleId)).Values, c => Assert.Equal("payment_pending", c.Status));
        var held = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((2, 0, 0, 0, 0), (held.Sold, held.Remaining, held.Paid, held.PaymentFailed, held.Released));
        Assert.Empty(await OrderStream.OutboxAsync(app.Db, sale.SaleId));

        stripe.SearchIndexed = true;
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { Paid: 1, PaymentFailed: 1 },
            TimeSpan.FromSeconds(30), "the settler found both payment intents and settled the claims");

        var paidIntent = Assert.Single(stripe.IntentsOf(paidId));
        Assert.Single(stripe.IntentsOf(failedId));
        Assert.Equal(2, stripe.Intents.Count);
        Assert.Equal(("paid", paidIntent.Id), (await OrderStream.ClaimsAsync(app.Db, sale.SaleId))[paidId]);
        var failed = await app.Storefront.GetClaimAsync(sale.SaleId, failedId);
        Assert.Equal(("payment_failed", "generic_decline"), (failed.Status, failed.FailureReason));
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((1, 1, 1, 0), (counts.Sold, counts.Remaining, counts.Released, counts.InFlight));
        var events = await OrderStream.OutboxAsync(app.Db, sale.SaleId);
        Assert.Equal(new[] { ("OrderPaid", paidId), ("OrderPaymentFailed", failedId) },
            events.OrderBy(e => e.Type).Select(e => (e.Type, e.ClaimId)).ToArray());
    }
}
