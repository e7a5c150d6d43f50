using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Worker;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>
/// A claim payment_pending for longer than Stripe keeps idempotency keys (ReplayCreateWithin, 23 h by default;
/// 2 s here) is only looked up, never created again: a replayed create with a forgotten key would be a second
/// charge. It stays payment_pending, and the age of the oldest such claim is on /metrics for an alert.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class PendingPastKeyLifetimeTests
{
    private const int Stock = 3;

    [Fact]
    public async Task A_pending_claim_past_the_key_lifetime_is_searched_for_but_never_created_again()
    {
        // Down while the claims are charged (nothing created, nothing remembered): they wait as payment_pending.
        using var stripe = new FakeStripe { Outage = true };
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Resilience:MaxRetries"] = "0",
            ["FlashSale:Payments:Pending:ReplayCreateWithin"] = "00:00:02",
        }));
        var sale = await app.Admin.LiveSaleAsync(stock: Stock);
        for (var i = 0; i < Stock; i++) await StripeGatewayTests.ClaimAsync(app, sale.SaleId, $"old-pending-{i}", "pm_card_visa");
        await Eventually.True(async () => (await OrderStream.ClaimsAsync(app.Db, sale.SaleId)).Values.All(c => c.Status == "payment_pending")
                && (await OrderStream.ClaimsAsync(app.Db, sale.SaleId)).Count == Stock, TimeSpan.FromSeconds(30), "every claim waits as payment_pending");

        // Past the key's lifetime, Stripe answers again: the settler searches (finding nothing) and creates nothing.
        // What the settler puts on /metrics (flashsale_payment_pending_oldest_seconds), read from this host's own settler:
        // every host of the test process shares the gauge.
        var settler = app.Get<PendingPaymentSettler>();
        await Eventually.True(async () => await settler.MeasureOldestAsync(CancellationToken.None) > TimeSpan.FromSeconds(2.5),
            TimeSpan.FromSeconds(30), "the oldest pending claim is older than ReplayCreateWithin");
        stripe.Outage = false;
        var searchesBefore = stripe.SearchRequests.Count;
        await Eventually.True(() => Task.FromResult(stripe.SearchRequests.Count >= searchesBefore + 3 * Stock), TimeSpan.FromSeconds(30),
            "the settler keeps looking the charges up");

        Assert.All(stripe.CreateRequests, r => Assert.Equal(503, r.ResponseMessage.StatusCode));
        Assert.Empty(stripe.Intents);
        var claims = await OrderStream.ClaimsAsync(app.Db, sale.SaleId);
        Assert.All(claims.Values, c => Assert.Equal("payment_pending", c.Status));
        Assert.True(await settler.MeasureOldestAsync(CancellationToken.None) > TimeSpan.FromSeconds(2.5));
        Assert.Contains("flashsale_payment_pending_oldest_seconds", await app.Storefront.Http.GetStringAsync("/metrics"));
    }
}
