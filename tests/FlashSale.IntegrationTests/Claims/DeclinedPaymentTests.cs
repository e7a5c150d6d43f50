using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>A declined card gives its unit back to the sale, and a later buyer gets it.</summary>
public abstract class DeclinedPaymentTests(ServiceFixture app)
{
    [Fact]
    public async Task Declined_buyers_end_payment_failed_and_their_units_are_sold_again_until_paid_equals_stock()
    {
        // One attempt per buyer: a declined buyer may not claim again (ClaimAgainAfterDeclineTests has the rule).
        var sale = await app.Admin.LiveSaleAsync(stock: 4, checkout: Checkout.Immediate(maxPaymentAttempts: 1));
        var first = new (string User, string Card)[]
        {
            ("decline-1", "pm_card_chargeDeclined"), ("decline-2", "pm_card_chargeDeclined"),
            ("decline-3", "pm_card_chargeDeclinedInsufficientFunds"), ("visa-1", "pm_card_visa"),
        };
        var claims = new Dictionary<string, string>();
        foreach (var (user, card) in first)
        {
            var response = await app.Storefront.ClaimAsync(sale.SaleId, user, card);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            claims[user] = (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
        }

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { PaymentFailed: 3, Paid: 1, Remaining: 3 },
            TimeSpan.FromSeconds(30), "three declines settled and their units back in the pool");

        var declined = await app.Storefront.GetClaimAsync(sale.SaleId, claims["decline-1"]);
        Assert.Equal("payment_failed", declined.Status);
        Assert.Equal("generic_decline", declined.FailureReason);
        Assert.Null(declined.OrderId);
        Assert.Equal("insufficient_funds", (await app.Storefront.GetClaimAsync(sale.SaleId, claims["decline-3"])).FailureReason);

        // Its one attempt used, the declined buyer's retry is the same, failed claim, and takes no stock.
        var retry = await app.Storefront.ClaimAsync(sale.SaleId, "decline-1", "pm_card_visa");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var again = (await retry.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!;
        Assert.Equal(claims["decline-1"], again.ClaimId);
        Assert.Equal("payment_failed", again.Status);

        foreach (var user in new[] { "later-1", "later-2", "later-3" })
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, user)).StatusCode);
        var soldOut = await app.Storefront.ClaimAsync(sale.SaleId, "later-4");
        Assert.Equal(HttpStatusCode.Conflict, soldOut.StatusCode);

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 4,
            TimeSpan.FromSeconds(30), "the released units are paid by later buyers");
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal(new CountsView(Stock: 4, Remaining: 0, Admitted: 7, Confirmed: 7, Paid: 4, PaymentFailed: 3,
            Released: 3, Rejected: 0, InFlight: 0, Sold: 4), counts);

        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal(4, ledger.PaidUnits);
        Assert.Equal(3, ledger.Charges.Count(c => c.Outcome == "declined"));
    }
}

[Collection(ServiceCollection.Name)]
public sealed class DeclinedPaymentTestsOnSingleNode(ServiceFixture app) : DeclinedPaymentTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class DeclinedPaymentTestsOnCluster(ClusterServiceFixture app) : DeclinedPaymentTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class DeclinedPaymentTestsBehindSentinels(SentinelServiceFixture app) : DeclinedPaymentTests(app);
