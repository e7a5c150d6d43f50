using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>
/// Claims whose charge outcome is unknown are leased to the settler asking about them: with two hosts settling
/// and Stripe slower than RecheckAfter, no claim is asked about by both at once (Stripe would answer the second,
/// concurrent create with the same key 409), and each is settled with one more create.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class PendingSettlerLeaseTests
{
    private const int Stock = 10;

    [Fact]
    public async Task A_pending_claim_is_asked_about_by_one_settler_at_a_time_however_slow_the_gateway()
    {
        // Stripe is down (503, no retry) while the claims are charged: they wait as payment_pending. Once it is
        // back, its creates take 2.5 s each, several times RecheckAfter, and its search index lags behind them.
        using var stripe = new FakeStripe { Latency = TimeSpan.FromSeconds(2.5), Outage = true, SearchIndexed = false };
        var settings = StripeSettings.For(stripe, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Resilience:MaxRetries"] = "0",
            ["FlashSale:Payments:Resilience:AttemptTimeout"] = "00:00:10",
            ["FlashSale:Payments:Pending:Interval"] = "00:00:00.050",
            // Renewed every 0.3 s: a renewal late by more than half a second under load still keeps the lease.
            ["FlashSale:Payments:Pending:RecheckAfter"] = "00:00:00.900",
        });
        await using var first = await IsolatedService.StartAsync(settings);
        await using var second = await IsolatedService.StartAsync(settings, schema: first.Schema);
        var sale = await first.Admin.LiveSaleAsync(stock: Stock);
        var claims = new List<string>();
        for (var i = 0; i < Stock; i++) claims.Add(await StripeGatewayTests.ClaimAsync(i % 2 == 0 ? first : second, sale.SaleId, $"lease-{i}", "pm_card_visa"));

        await Eventually.True(async () => (await OrderStream.ClaimsAsync(first.Db, sale.SaleId)).Values.Count(c => c.Status == "payment_pending") == Stock,
            TimeSpan.FromSeconds(30), "every claim waits as payment_pending");
        stripe.Outage = false;

        await Eventually.True(async () => (await first.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == Stock, TimeSpan.FromSeconds(60),
            () => $"{stripe.CreateRequests.Count} creates, {stripe.Conflicts} answered 409", "every pending claim is settled as paid");

        Assert.Equal(0, stripe.Conflicts);
        // The creates Stripe answered (not the outage's 503s): one per claim.
        var answered = stripe.CreateRequests.Where(r => r.ResponseMessage.StatusCode is not 503)
            .GroupBy(r => FakeStripe.Header(r, "Idempotency-Key")).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(Stock, answered.Count);
        Assert.All(answered.Values, count => Assert.Equal(1, count));
        Assert.All(claims, id => Assert.Single(stripe.IntentsOf(id)));
    }
}
