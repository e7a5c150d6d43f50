using System.Net;
using System.Text.Json.Nodes;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;
using FlashSale.Service.StripeWebhooks;
using Stripe;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// <c>POST /webhooks/stripe</c> (CONTRACT.md, Payments): the signature is checked with Stripe.net's own verification
/// (300 s tolerance) before anything is read, a bad or stale one is a 400 that changes nothing, every event is applied
/// once by its id with its raw payload kept, and events out of order are harmless.
/// </summary>
public abstract class StripeWebhookTests(ServiceFixture app)
{
    private readonly HoldSteps _steps = new(app);
    private string Secret => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<StripeWebhookSecret>(app.Services).Value!;

    [Fact]
    public async Task A_tampered_forged_stale_or_unsigned_event_is_refused_and_changes_nothing()
    {
        var (saleId, claimId, intent) = await OpenIntentAsync("tamper-target");
        var genuine = Event("payment_intent.succeeded", intent, claimId, attempt: 1);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var tampered = genuine.Replace("\"amount\":12900", "\"amount\":1");
        Assert.NotEqual(genuine, tampered);
        await ProblemAssert.InvalidAsync(await PostAsync(tampered, EventUtility.GenerateSignatureHeader(genuine, Secret, now)), "Stripe-Signature");
        await ProblemAssert.InvalidAsync(await PostAsync(genuine, EventUtility.GenerateSignatureHeader(genuine, "whsec_not_the_secret", now)), "Stripe-Signature");
        await ProblemAssert.InvalidAsync(await PostAsync(genuine, EventUtility.GenerateSignatureHeader(genuine, Secret, now - 301)), "Stripe-Signature");
        await ProblemAssert.InvalidAsync(await PostAsync(genuine, null), "Stripe-Signature");

        Assert.Empty(await _steps.EventsOfAsync(claimId));
        Assert.Equal("held", (await app.Storefront.GetClaimAsync(saleId, claimId)).Status);

        // The genuine event, signed within the tolerance, is applied.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(genuine, EventUtility.GenerateSignatureHeader(genuine, Secret, now - 200))).StatusCode);
        await _steps.StatusAsync(saleId, claimId, "paid");
    }

    [Fact]
    public async Task A_re_sent_event_and_events_out_of_order_change_nothing_more()
    {
        var (saleId, claimId, intent) = await OpenIntentAsync("resent");
        var succeeded = Event("payment_intent.succeeded", intent, claimId, attempt: 1);
        Assert.Equal("paid", await OutcomeAsync(succeeded));
        var paid = await app.Storefront.GetClaimAsync(saleId, claimId);

        // Stripe re-sends (a lost answer, a retry): the same event id, signed afresh.
        Assert.Equal(StripeEventApplier.Duplicate, await OutcomeAsync(succeeded));
        // A decline of the same attempt arriving after its success, and a cancel: the claim stays paid.
        Assert.StartsWith("ignored", await OutcomeAsync(Event("payment_intent.payment_failed", intent, claimId, attempt: 1, declineCode: "generic_decline")));
        Assert.StartsWith("ignored", await OutcomeAsync(Event("payment_intent.canceled", intent, claimId, attempt: 1)));
        // An event about nothing of ours is kept and ignored.
        Assert.StartsWith("ignored", await OutcomeAsync(Event("payment_intent.succeeded", "pi_someone_else", null, attempt: 0)));

        var after = await app.Storefront.GetClaimAsync(saleId, claimId);
        Assert.Equal((paid.Status, paid.OrderId, paid.UpdatedAt), (after.Status, after.OrderId, after.UpdatedAt));
        Assert.Equal(3, (await _steps.EventsOfAsync(claimId)).Count);
        // The success was this test's own event, not a charge of the simulated gateway's, so charges are not audited.
        await InvariantAudit.For(app).AssertSettledAsync(saleId, simulatedGateway: false);
    }

    [Fact]
    public async Task A_payment_that_arrives_after_its_hold_expired_is_refunded_once()
    {
        var (saleId, claimId, intent) = await OpenIntentAsync("too-late");
        await _steps.EndHoldNowAsync(claimId);
        await _steps.StatusAsync(saleId, claimId, "expired");
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(saleId)).Counts is { Remaining: 1, Sold: 0 },
            TimeSpan.FromSeconds(10), "the unit is back on sale");

        // The buyer's browser confirms anyway (Stripe took the payment): it is refunded.
        Assert.Equal(HttpStatusCode.OK, (await _steps.ConfirmInBrowserAsync(intent, "pm_card_visa")).StatusCode);
        var refunded = await _steps.StatusAsync(saleId, claimId, "refunded");
        Assert.Null(refunded.OrderId);
        Assert.Equal(1, await _steps.RefundAttemptsAsync(claimId));

        // The same event again refunds nothing more, and the unit stays on sale once.
        var (_, _, _, payload) = (await _steps.EventsOfAsync(claimId)).Single();
        Assert.Equal(StripeEventApplier.Duplicate, await OutcomeAsync(payload));
        Assert.Equal(1, await _steps.RefundAttemptsAsync(claimId));
        Assert.Equal(1, (await app.Admin.GetSaleAsync(saleId)).Counts!.Remaining);
        await _steps.HeldAsync(saleId, "next-buyer");
        Assert.Equal(HttpStatusCode.Conflict, (await app.Storefront.HoldAsync(saleId, "one-too-many")).StatusCode);
    }

    private async Task<(string SaleId, string ClaimId, string PaymentIntentId)> OpenIntentAsync(string user)
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var claimId = await _steps.HeldAsync(sale.SaleId, user);
        return (sale.SaleId, claimId, (await _steps.ClientIntentAsync(sale.SaleId, claimId)).PaymentIntentId);
    }

    private async Task<string> OutcomeAsync(string payload)
    {
        var response = await PostAsync(payload, EventUtility.GenerateSignatureHeader(payload, Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await HoldSteps.JsonOf(response)).GetProperty("outcome").GetString()!;
    }

    private Task<HttpResponseMessage> PostAsync(string payload, string? signature) => app.Storefront.PostStripeEventAsync(payload, signature);

    /// <summary>An event in Stripe's format about a PaymentIntent of a claim.</summary>
    private static string Event(string type, string paymentIntentId, string? claimId, int attempt, string? declineCode = null) => new JsonObject
    {
        ["id"] = "evt_test_" + Guid.NewGuid().ToString("N"),
        ["object"] = "event",
        ["api_version"] = StripeConfiguration.ApiVersion,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["type"] = type,
        ["data"] = new JsonObject
        {
            ["object"] = new JsonObject
            {
                ["id"] = paymentIntentId, ["object"] = "payment_intent", ["amount"] = 12900, ["currency"] = "usd",
                ["status"] = type == "payment_intent.succeeded" ? "succeeded" : type == "payment_intent.canceled" ? "canceled" : "requires_payment_method",
                ["metadata"] = claimId is null ? new JsonObject() : new JsonObject { ["claim_id"] = claimId, ["attempt"] = attempt.ToString() },
                ["last_payment_error"] = declineCode is null ? null : new JsonObject { ["type"] = "card_error", ["code"] = "card_declined", ["decline_code"] = declineCode },
            },
        },
    }.ToJsonString();
}

[Collection(ServiceCollection.Name)]
public sealed class StripeWebhookTestsOnSingleNode(ServiceFixture app) : StripeWebhookTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class StripeWebhookTestsOnCluster(ClusterServiceFixture app) : StripeWebhookTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class StripeWebhookTestsBehindSentinels(SentinelServiceFixture app) : StripeWebhookTests(app);
