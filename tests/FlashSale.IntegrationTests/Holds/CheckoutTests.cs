using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// Server-side checkout of a hold (CONTRACT.md, "Hold, then pay"): the service charges the buyer's payment method;
/// a decline puts the claim back to held with lastPaymentError and attemptsLeft, so the buyer tries another card;
/// with no attempt left it ends payment_failed and its units go back. Each attempt has its own idempotency key.
/// </summary>
public abstract class CheckoutTests(ServiceFixture app)
{
    [Fact]
    public async Task A_declined_card_then_a_good_one_pays_the_hold()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2, checkout: Checkout.Hold(holdSeconds: 600, maxPaymentAttempts: 3));
        var claimId = await HeldAsync(sale.SaleId, "second-card");

        var first = await CheckoutAsync(sale.SaleId, claimId, "pm_card_chargeDeclined");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("payment_pending", (await first.Content.ReadFromJsonAsync<ClaimView>(FlashSaleClient.Json))!.Status);
        var declined = await StatusAsync(sale.SaleId, claimId, "held");
        Assert.Equal(("generic_decline", 2), (declined.LastPaymentError, declined.AttemptsLeft!.Value));
        // Still the buyer's: the unit is not back on sale.
        Assert.Equal(1, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);

        Assert.Equal(HttpStatusCode.Accepted, (await CheckoutAsync(sale.SaleId, claimId, "pm_card_visa")).StatusCode);
        var paid = await StatusAsync(sale.SaleId, claimId, "paid");
        Assert.NotNull(paid.OrderId);
        var ledger = await InvariantAudit.For(app).ReadAsync(sale.SaleId);
        Assert.Equal(["declined", "succeeded"], ledger.Charges.OrderBy(c => c.Key).Select(c => c.Outcome));
        Assert.Equal(1, ledger.PaidUnits);
        Assert.Equal(HttpStatusCode.Conflict, (await CheckoutAsync(sale.SaleId, claimId, "pm_card_visa")).StatusCode);
    }

    [Fact]
    public async Task The_last_attempt_declined_fails_the_claim_and_puts_its_units_back()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold(holdSeconds: 600, maxPaymentAttempts: 1));
        var claimId = await HeldAsync(sale.SaleId, "one-try");
        Assert.Equal(HttpStatusCode.Accepted, (await CheckoutAsync(sale.SaleId, claimId, "pm_card_chargeDeclinedInsufficientFunds")).StatusCode);
        var failed = await StatusAsync(sale.SaleId, claimId, "payment_failed");
        Assert.Equal(0, failed.AttemptsLeft);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { Remaining: 1, Sold: 0 },
            TimeSpan.FromSeconds(10), "the unit is back on sale");

        var again = await CheckoutAsync(sale.SaleId, claimId, "pm_card_visa");
        Assert.Equal("payment_attempts_exhausted", (await ProblemAssert.HasAsync(again, HttpStatusCode.Conflict, "payment_attempts_exhausted")).Code);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.HoldAsync(sale.SaleId, "next-buyer")).StatusCode);
    }

    [Fact]
    public async Task A_checkout_close_to_the_end_of_a_hold_extends_it_once()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold(holdSeconds: 30));
        var claimId = await HeldAsync(sale.SaleId, "late-payer");
        var before = (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).HoldExpiresAt!.Value;

        Assert.Equal(HttpStatusCode.Accepted, (await CheckoutAsync(sale.SaleId, claimId, "pm_card_chargeDeclined")).StatusCode);
        var extended = (await StatusAsync(sale.SaleId, claimId, "held")).HoldExpiresAt!.Value;
        // PaymentGrace (2 min) from the checkout, instead of 30 s from the claim.
        Assert.InRange(extended, before.AddSeconds(80), before.AddSeconds(130));

        Assert.Equal(HttpStatusCode.Accepted, (await CheckoutAsync(sale.SaleId, claimId, "pm_card_chargeDeclined")).StatusCode);
        Assert.Equal(extended, (await StatusAsync(sale.SaleId, claimId, "held")).HoldExpiresAt!.Value);
    }

    [Fact]
    public async Task A_checkout_that_cannot_be_taken_is_refused_and_changes_nothing()
    {
        var immediate = await app.Admin.LiveSaleAsync(stock: 1);
        var charged = (await (await app.Storefront.ClaimAsync(immediate.SaleId, "immediate-buyer")).Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
        await StatusAsync(immediate.SaleId, charged, "paid");
        await ProblemAssert.HasAsync(await CheckoutAsync(immediate.SaleId, charged, "pm_card_visa"), HttpStatusCode.Conflict, "claim_not_held");

        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var claimId = await HeldAsync(sale.SaleId, "careless");
        await ProblemAssert.InvalidAsync(await app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{claimId}/checkout", new { }), "paymentMethodId");
        await ProblemAssert.InvalidAsync(await CheckoutAsync(sale.SaleId, claimId, "pm card"), "paymentMethodId");
        await ProblemAssert.HasAsync(await CheckoutAsync(sale.SaleId, "clm_00000000000000000000000000000000", "pm_card_visa"), HttpStatusCode.NotFound, "claim_not_found");
        var view = await app.Storefront.GetClaimAsync(sale.SaleId, claimId);
        Assert.Equal(("held", 3), (view.Status, view.AttemptsLeft!.Value));
    }

    private Task<HttpResponseMessage> CheckoutAsync(string saleId, string claimId, string paymentMethodId) =>
        app.Storefront.PostJsonAsync($"/sales/{saleId}/claims/{claimId}/checkout", new { paymentMethodId });

    /// <summary>A claim held and recorded by the worker, ready for checkout.</summary>
    private async Task<string> HeldAsync(string saleId, string user)
    {
        var held = (await (await app.Storefront.HoldAsync(saleId, user)).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(saleId)).Claims.Any(c => c.ClaimId == held.ClaimId),
            TimeSpan.FromSeconds(15), "the worker recorded the hold");
        return held.ClaimId;
    }

    private async Task<ClaimView> StatusAsync(string saleId, string claimId, string status)
    {
        ClaimView view = null!;
        await Eventually.True(async () => (view = await app.Storefront.GetClaimAsync(saleId, claimId)).Status == status,
            TimeSpan.FromSeconds(15), () => $"it is {view.Status}", $"the claim is {status}");
        return view;
    }
}

[Collection(ServiceCollection.Name)]
public sealed class CheckoutTestsOnSingleNode(ServiceFixture app) : CheckoutTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class CheckoutTestsOnCluster(ClusterServiceFixture app) : CheckoutTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class CheckoutTestsBehindSentinels(SentinelServiceFixture app) : CheckoutTests(app);
