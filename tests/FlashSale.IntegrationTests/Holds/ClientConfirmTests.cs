using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// Client confirm of a hold (CONTRACT.md, "Hold, then pay" and Payments): <c>{"confirm":"client"}</c> answers a
/// PaymentIntent for the browser; the simulated provider's confirm plays Stripe.js and posts the outcome as a signed
/// Stripe event to <c>/webhooks/stripe</c>, the only way the claim learns of it. 3-D Secure cards fail a server-side
/// confirm (<c>authentication_required</c>) and pass in the browser.
/// </summary>
public abstract class ClientConfirmTests(ServiceFixture app)
{
    private readonly HoldSteps _steps = new(app);

    [Fact]
    public async Task A_card_confirmed_in_the_browser_pays_the_hold_through_the_webhook()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold(maxPaymentAttempts: 3));
        var claimId = await _steps.HeldAsync(sale.SaleId, "browser-buyer");

        var intent = await _steps.ClientIntentAsync(sale.SaleId, claimId);
        Assert.StartsWith("pi_", intent.PaymentIntentId);
        Assert.StartsWith(intent.PaymentIntentId + "_secret_", intent.ClientSecret);
        // Asking again while it is open answers the same intent and uses no attempt.
        Assert.Equal(intent, await _steps.ClientIntentAsync(sale.SaleId, claimId));
        Assert.Equal(("held", 2), ((await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status, (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).AttemptsLeft!.Value));
        // A server-side charge cannot start beside it.
        await ProblemAssert.HasAsync(await _steps.CheckoutAsync(sale.SaleId, claimId, "pm_card_visa"), HttpStatusCode.Conflict, "checkout_in_progress");

        var confirmed = await _steps.ConfirmInBrowserAsync(intent.PaymentIntentId, "pm_card_visa");
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("succeeded", (await HoldSteps.JsonOf(confirmed)).GetProperty("status").GetString());
        var paid = await _steps.StatusAsync(sale.SaleId, claimId, "paid");
        Assert.NotNull(paid.OrderId);
        var events = await _steps.EventsOfAsync(claimId);
        Assert.Equal([("payment_intent.succeeded", "paid")], events.Select(e => (e.Type, e.Outcome)));
        Assert.Contains(intent.PaymentIntentId, events[0].Payload);

        // Stripe's "already confirmed" for a second confirm, and nothing changes.
        await ProblemAssert.InvalidAsync(await _steps.ConfirmInBrowserAsync(intent.PaymentIntentId, "pm_card_visa"), "paymentIntentId");
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal(1, ledger.PaidUnits);
    }

    [Fact]
    public async Task A_decline_in_the_browser_puts_the_claim_back_to_held_for_another_card()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold(maxPaymentAttempts: 2));
        var claimId = await _steps.HeldAsync(sale.SaleId, "declined-in-browser");
        var first = await _steps.ClientIntentAsync(sale.SaleId, claimId);

        Assert.Equal(HttpStatusCode.OK, (await _steps.ConfirmInBrowserAsync(first.PaymentIntentId, "pm_card_chargeDeclinedInsufficientFunds")).StatusCode);
        var declined = await _steps.StatusAsync(sale.SaleId, claimId, "held");
        Assert.Equal(("insufficient_funds", 1), (declined.LastPaymentError, declined.AttemptsLeft!.Value));
        Assert.Equal(0, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);

        // The next attempt is a new PaymentIntent; the declined one cannot be confirmed again.
        var second = await _steps.ClientIntentAsync(sale.SaleId, claimId);
        Assert.NotEqual(first.PaymentIntentId, second.PaymentIntentId);
        await ProblemAssert.InvalidAsync(await _steps.ConfirmInBrowserAsync(first.PaymentIntentId, "pm_card_visa"), "paymentIntentId");
        Assert.Equal(HttpStatusCode.OK, (await _steps.ConfirmInBrowserAsync(second.PaymentIntentId, "pm_card_chargeDeclined")).StatusCode);

        var failed = await _steps.StatusAsync(sale.SaleId, claimId, "payment_failed");
        Assert.Equal(0, failed.AttemptsLeft);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { Remaining: 1, Sold: 0 },
            TimeSpan.FromSeconds(10), "the unit is back on sale, once");
        await ProblemAssert.HasAsync(await _steps.ClientCheckoutAsync(sale.SaleId, claimId), HttpStatusCode.Conflict, "payment_attempts_exhausted");
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    [Fact]
    public async Task A_three_d_secure_card_declined_on_the_server_pays_when_confirmed_in_the_browser()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold(maxPaymentAttempts: 3));
        var claimId = await _steps.HeldAsync(sale.SaleId, "three-d-secure");

        Assert.Equal(HttpStatusCode.Accepted, (await _steps.CheckoutAsync(sale.SaleId, claimId, "pm_card_threeDSecure2Required")).StatusCode);
        var needsBuyer = await _steps.StatusAsync(sale.SaleId, claimId, "held");
        Assert.Equal(("authentication_required", 2), (needsBuyer.LastPaymentError, needsBuyer.AttemptsLeft!.Value));

        var intent = await _steps.ClientIntentAsync(sale.SaleId, claimId);
        Assert.Equal(HttpStatusCode.OK, (await _steps.ConfirmInBrowserAsync(intent.PaymentIntentId, "pm_card_threeDSecure2Required")).StatusCode);
        var paid = await _steps.StatusAsync(sale.SaleId, claimId, "paid");
        Assert.Null(paid.LastPaymentError);
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    [Fact]
    public async Task A_client_checkout_that_cannot_be_taken_is_refused_and_changes_nothing()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var claimId = await _steps.HeldAsync(sale.SaleId, "odd-client");
        await ProblemAssert.InvalidAsync(await app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{claimId}/checkout", new { confirm = "server" }), "confirm");
        await ProblemAssert.InvalidAsync(await app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{claimId}/checkout",
            new { confirm = "client", paymentMethodId = "pm_card_visa" }), "paymentMethodId");
        await ProblemAssert.HasAsync(await _steps.ConfirmInBrowserAsync("pi_sim_unknown", "pm_card_visa"), HttpStatusCode.NotFound, "not_found");
        var intent = await _steps.ClientIntentAsync(sale.SaleId, claimId);
        await ProblemAssert.InvalidAsync(await _steps.ConfirmInBrowserAsync(intent.PaymentIntentId, "card"), "paymentMethodId");

        var view = await app.Storefront.GetClaimAsync(sale.SaleId, claimId);
        Assert.Equal(("held", 2), (view.Status, view.AttemptsLeft!.Value));
        Assert.Empty(await _steps.EventsOfAsync(claimId));
    }
}

[Collection(ServiceCollection.Name)]
public sealed class ClientConfirmTestsOnSingleNode(ServiceFixture app) : ClientConfirmTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class ClientConfirmTestsOnCluster(ClusterServiceFixture app) : ClientConfirmTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class ClientConfirmTestsBehindSentinels(SentinelServiceFixture app) : ClientConfirmTests(app);
