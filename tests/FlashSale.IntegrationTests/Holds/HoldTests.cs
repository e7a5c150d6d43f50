using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// Hold checkout (CONTRACT.md, "Hold, then pay"): a claim without a payment method reserves its units for the
/// sale's holdSeconds, answered <c>held</c> with its expiry and its checkout URL; the buyer may give it up at once.
/// An immediate-checkout sale still requires the payment method, and refuses without changing anything.
/// </summary>
public abstract class HoldTests(ServiceFixture app)
{
    [Fact]
    public async Task A_claim_in_a_hold_sale_holds_its_units_until_its_expiry()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3, checkout: Checkout.Hold(holdSeconds: 120));
        var before = DateTime.UtcNow;
        var answer = await app.Storefront.HoldAsync(sale.SaleId, "holder");
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var held = (await answer.Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
        Assert.Equal("held", held.Status);
        Assert.InRange(held.HoldExpiresAt, before.AddSeconds(115), DateTime.UtcNow.AddSeconds(125));
        Assert.Equal($"/sales/{sale.SaleId}/claims/{held.ClaimId}/checkout", held.CheckoutUrl);

        // Recorded by the worker as held, not charged; a repeat is the same claim.
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, held.ClaimId)).Status == "held" &&
                                          (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.Count == 1,
            TimeSpan.FromSeconds(15), "the worker recorded the hold");
        var view = await app.Storefront.GetClaimAsync(sale.SaleId, held.ClaimId);
        Assert.Equal((held.HoldExpiresAt, 3), (view.HoldExpiresAt!.Value, view.AttemptsLeft!.Value));
        var again = await app.Storefront.HoldAsync(sale.SaleId, "holder");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(held.ClaimId, (await again.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId);
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((2, 1, 1, 0), (counts.Remaining, counts.Sold, counts.InFlight, counts.Paid));
        // The held unit is in flight in both stores' terms of the conservation equation.
        var report = await app.Admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/admin/sales/{sale.SaleId}/report", FlashSaleClient.Json);
        Assert.True(report.GetProperty("balanced").GetBoolean(), report.ToString());
        Assert.Equal(1, report.GetProperty("postgres").GetProperty("inFlight").GetInt32());
    }

    [Fact]
    public async Task A_buyer_who_gives_a_hold_up_puts_its_units_back_at_once()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold(holdSeconds: 600));
        var held = (await (await app.Storefront.HoldAsync(sale.SaleId, "changed-mind")).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
        Assert.Equal(HttpStatusCode.Conflict, (await app.Storefront.HoldAsync(sale.SaleId, "waiting")).StatusCode);

        HttpResponseMessage released = null!;
        await Eventually.True(async () => (released = await app.Storefront.ReleaseAsync(sale.SaleId, held.ClaimId)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), () => $"last answer {(int)released.StatusCode}", "the hold is given up once recorded");
        Assert.Equal("released", (await released.Content.ReadFromJsonAsync<ClaimView>(FlashSaleClient.Json))!.Status);
        // A repeat answers the same; the unit went back once.
        Assert.Equal(HttpStatusCode.OK, (await app.Storefront.ReleaseAsync(sale.SaleId, held.ClaimId)).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { Remaining: 1, Sold: 0 },
            TimeSpan.FromSeconds(10), "the unit is back in Redis and PostgreSQL");

        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.HoldAsync(sale.SaleId, "waiting")).StatusCode);
        Assert.Equal(0, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);
    }

    [Fact]
    public async Task An_immediate_sale_refuses_a_claim_without_a_payment_method_and_changes_nothing()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        var refused = await app.Storefront.HoldAsync(sale.SaleId, "no-card");
        await ProblemAssert.InvalidAsync(refused, "paymentMethodId");
        Assert.Equal(2, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);
        // The same buyer with a card is a new claim, not a replay of anything.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "no-card")).StatusCode);
    }

    [Fact]
    public async Task Giving_up_a_claim_that_is_not_held_is_refused()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        var claimId = (await (await app.Storefront.ClaimAsync(sale.SaleId, "paying")).Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "paid", TimeSpan.FromSeconds(15), "paid");
        var refused = await app.Storefront.ReleaseAsync(sale.SaleId, claimId);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("claim_not_held", (await refused.Content.ReadFromJsonAsync<Problem>(FlashSaleClient.Json))!.Code);
        Assert.Equal("paid", (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status);
    }
}

[Collection(ServiceCollection.Name)]
public sealed class HoldTestsOnSingleNode(ServiceFixture app) : HoldTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class HoldTestsOnCluster(ClusterServiceFixture app) : HoldTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class HoldTestsBehindSentinels(SentinelServiceFixture app) : HoldTests(app);
