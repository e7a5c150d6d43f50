using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Payments;
using Microsoft.Extensions.Options;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>The Stripe provider, through Stripe.net, against WireMock playing the Stripe API.</summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class StripeGatewayTests
{
    [Fact]
    public async Task A_claim_is_charged_with_one_payment_intent_for_price_times_quantity_under_its_claim_key()
    {
        using var stripe = new FakeStripe();
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe));
        var sale = await app.Admin.LiveSaleAsync(stock: 5, perUserLimit: 2);
        var claimId = await ClaimAsync(app, sale.SaleId, "stripe-buyer", "pm_card_visa", quantity: 2);

        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "paid",
            TimeSpan.FromSeconds(30), "the claim is paid through Stripe");

        var intent = Assert.Single(stripe.IntentsOf(claimId));
        Assert.Equal((2 * 12900L, "usd", "pm_card_visa", sale.SaleId), (intent.Amount, intent.Currency, intent.PaymentMethod, intent.SaleId));
        Assert.Single(stripe.Intents);
        var creates = stripe.CreateRequests;
        Assert.NotEmpty(creates);
        Assert.All(creates, r => Assert.Equal(ChargeRequest.IdempotencyKeyFor(claimId), FakeStripe.Header(r, "Idempotency-Key")));
        Assert.All(creates, r => Assert.Equal($"Bearer {FakeStripe.ApiKey}", FakeStripe.Header(r, "Authorization")));
        var claims = await OrderStream.ClaimsAsync(app.Db, sale.SaleId);
        Assert.Equal(("paid", intent.Id), claims[claimId]);
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((2, 2, 3), (counts.Paid, counts.Sold, counts.Remaining));
    }

    [Fact]
    public async Task A_declined_card_ends_payment_failed_with_the_decline_code_and_is_not_retried()
    {
        using var stripe = new FakeStripe();
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe));
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        var claimId = await ClaimAsync(app, sale.SaleId, "stripe-decline", "pm_card_chargeDeclinedInsufficientFunds");

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { PaymentFailed: 1, Remaining: 2 },
            TimeSpan.FromSeconds(30), "the decline is recorded and the unit is back in the pool");

        var claim = await app.Storefront.GetClaimAsync(sale.SaleId, claimId);
        Assert.Equal(("payment_failed", "insufficient_funds", (string?)null), (claim.Status, claim.FailureReason, claim.OrderId));
        Assert.Single(stripe.CreateRequests);
        Assert.False(Assert.Single(stripe.IntentsOf(claimId)).Succeeded);
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((0, 0, 1), (counts.Paid, counts.Sold, counts.Released));
    }

    [Fact]
    public async Task A_timed_out_charge_is_retried_with_the_same_idempotency_key_and_charges_once()
    {
        using var stripe = new FakeStripe { SlowAnswerDelay = TimeSpan.FromSeconds(3) };
        await using var app = await IsolatedService.StartAsync(StripeSettings.For(stripe, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Resilience:AttemptTimeout"] = "00:00:01",
        }));
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        // Stripe charges at once but its answer comes after our per-attempt timeout.
        stripe.SlowDownNextAnswers(1);
        var claimId = await ClaimAsync(app, sale.SaleId, "stripe-timeout", "pm_card_visa");

        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "paid",
            TimeSpan.FromSeconds(30), "the retried charge is paid");
        // WireMock logs a request when it has answered it, so the held-back one appears after its delay.
        await Eventually.True(() => Task.FromResult(stripe.CreateRequests.Count >= 2), TimeSpan.FromSeconds(15), "both attempts are in WireMock's log");

        var creates = stripe.CreateRequests;
        Assert.All(creates, r => Assert.Equal(ChargeRequest.IdempotencyKeyFor(claimId), FakeStripe.Header(r, "Idempotency-Key")));
        Assert.Contains(creates, r => r.ResponseMessage.Headers?.ContainsKey("Idempotent-Replayed") == true);
        var intent = Assert.Single(stripe.Intents);
        Assert.Equal(("paid", intent.Id), (await OrderStream.ClaimsAsync(app.Db, sale.SaleId))[claimId]);
        Assert.Single(await OrderStream.OutboxAsync(app.Db, sale.SaleId), e => e.ClaimId == claimId && e.Type == "OrderPaid");
        Assert.Equal(1, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid);
    }

    [Fact]
    public async Task The_service_refuses_to_start_with_the_stripe_provider_and_no_api_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Provider"] = "stripe",
        }));
        var validation = Assert.IsType<OptionsValidationException>(Unwrap(failure));
        Assert.Contains(validation.Failures, f => f.Contains("FlashSale:Payments:Stripe:ApiKey"));
    }

    internal static async Task<string> ClaimAsync(IsolatedService app, string saleId, string user, string card, int quantity = 1)
    {
        var response = await app.Storefront.ClaimAsync(saleId, user, card, quantity);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerException!) : e;
}
