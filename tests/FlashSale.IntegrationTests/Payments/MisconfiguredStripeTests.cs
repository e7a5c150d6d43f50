using System.Diagnostics;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Ops;
using FlashSale.Service.Pool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>
/// Stripe refusing every charge for a reason of the merchant's account (a payment method not activated), not the
/// cards: no claim is declined and no unit is released or resold; the sale's charging is held (a Critical log
/// naming Stripe's code, a metric) with one trial charge an interval; once the merchant fixes the account, every
/// claim is charged once.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class MisconfiguredStripeTests
{
    private const int Stock = 10;
    private const string Code = "payment_method_unactivated";

    [Fact]
    public async Task A_configuration_error_holds_the_sale_with_its_units_and_charging_resumes_once_it_is_fixed()
    {
        using var stripe = new FakeStripe { RefuseWith = Code };
        var logs = new CapturingLoggerProvider();
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:HeldSaleTrialInterval"] = "00:00:01",
        }), services => services.AddSingleton<ILoggerProvider>(logs));
        var sale = await app.Admin.LiveSaleAsync(stock: Stock);
        for (var i = 0; i < Stock; i++) await StripeGatewayTests.ClaimAsync(app, sale.SaleId, $"misconfigured-{i}", "pm_card_visa");

        await Eventually.True(async () => stripe.CreateRequests.Count > 0 && (await OrderStream.ClaimsAsync(app.Db, sale.SaleId)).Count == Stock,
            TimeSpan.FromSeconds(15), "every claim is recorded and Stripe is asked to charge");
        // Four trial intervals and two redeliveries later: every claim still holds its unit, none declined or resold.
        var held = Stopwatch.StartNew();
        while (held.Elapsed < TimeSpan.FromSeconds(4))
        {
            var claims = await OrderStream.ClaimsAsync(app.Db, sale.SaleId);
            Assert.Equal(Stock, claims.Count);
            Assert.All(claims.Values, c => Assert.Contains(c.Status, new[] { "admitted", "confirmed" }));
            Assert.Equal(0, (int)await app.Redis.StringGetAsync(new SaleKeys(sale.SaleId).Remaining));
            await Task.Delay(200);
        }
        // The first batch's charges were all in flight before the first refusal; after it, about one trial a second.
        var refused = stripe.CreateRequests.Count;
        Assert.InRange(refused, 1, Stock + 8);
        Assert.Contains(logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains(Code, StringComparison.Ordinal));
        var metrics = await MetricsScrape.ScrapeAsync(app.Storefront.Http);
        Assert.True(metrics.GetValueOrDefault($"flashsale_payment_configuration_errors_total{{code=\"{Code}\"}}") >= 1, "the refusals are counted by code");
        Assert.True(metrics.GetValueOrDefault("flashsale_payments_held_sales") >= 1, "the held sale is counted");

        // The merchant activates the payment method: the next trial goes through and the hold lifts.
        stripe.RefuseWith = null;
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == Stock, TimeSpan.FromSeconds(30),
            "every claim is charged once the account is fixed");
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((Stock, 0, 0), (counts.Sold, counts.Remaining, counts.Released));
        Assert.Equal(Stock, stripe.Intents.Count);
        Assert.All(stripe.Intents.GroupBy(i => i.ClaimId), g => Assert.Single(g));
        Assert.Equal(0, (await MetricsScrape.ScrapeAsync(app.Storefront.Http)).GetValueOrDefault("flashsale_payments_held_sales"));
    }
}
