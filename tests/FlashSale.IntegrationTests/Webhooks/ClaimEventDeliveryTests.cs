using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Holds;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Webhooks;

/// <summary>
/// Merchant webhooks (CONTRACT.md, "Webhooks (merchants' systems)"): each claim event reaches a subscribed endpoint
/// signed per Standard Webhooks (checked with the StandardWebhooks package's verifier), its data the claim as the API
/// shows it, a claim's events in order; a failing endpoint gets the same webhook-id again until it answers 2xx,
/// and one delivery can be retried by hand.
/// </summary>
public abstract class ClaimEventDeliveryTests(ServiceFixture app)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private readonly HoldSteps _steps = new(app);

    [Fact]
    public async Task Every_claim_event_arrives_signed_in_order_with_the_claim_as_the_api_shows_it()
    {
        await using var merchant = await RegisteredReceiver.StartAsync(app.Admin,
            "claim.held", "claim.paid", "claim.payment_failed", "claim.expired", "claim.released");
        var sale = await app.Admin.LiveSaleAsync(stock: 3, checkout: Checkout.Hold(maxPaymentAttempts: 2));
        var payer = await _steps.HeldAsync(sale.SaleId, "webhook-payer");
        var leaver = await _steps.HeldAsync(sale.SaleId, "webhook-leaver");
        var sleeper = await _steps.HeldAsync(sale.SaleId, "webhook-sleeper");
        Assert.Equal(HttpStatusCode.Accepted, (await _steps.CheckoutAsync(sale.SaleId, payer, "pm_card_chargeDeclined")).StatusCode);
        await _steps.StatusAsync(sale.SaleId, payer, "held");
        Assert.Equal(HttpStatusCode.Accepted, (await _steps.CheckoutAsync(sale.SaleId, payer, "pm_card_visa")).StatusCode);
        await _steps.StatusAsync(sale.SaleId, payer, "paid");
        Assert.Equal(HttpStatusCode.OK, (await app.Storefront.ReleaseAsync(sale.SaleId, leaver)).StatusCode);
        await _steps.EndHoldNowAsync(sleeper);
        await _steps.StatusAsync(sale.SaleId, sleeper, "expired");

        await Eventually.True(() => Task.FromResult(merchant.Of(sale.SaleId).Count >= 6), Within, "every event arrived");
        var events = merchant.Of(sale.SaleId);
        Assert.All(merchant.Receiver.All.Where(r => r.Body.Contains(sale.SaleId)), r => Assert.True(r.Verified, "signed with the endpoint's secret"));
        Assert.Equal(["claim.held", "claim.paid"], Types(events, payer));
        Assert.Equal(["claim.held", "claim.released"], Types(events, leaver));
        Assert.Equal(["claim.held", "claim.expired"], Types(events, sleeper));
        // The data is the claim as GET shows it, when the event happened.
        var paid = events.Single(e => e.Type == "claim.paid").Data;
        var shown = await app.Storefront.Http.GetFromJsonAsync<JsonElement>($"/sales/{sale.SaleId}/claims/{payer}");
        Assert.Equal(Normalized(shown), Normalized(paid));
        Assert.Equal("held", events.First(e => Id(e) == payer).Data.GetProperty("status").GetString());
        Assert.Equal(events.Count, events.Select(e => e.WebhookId).Distinct().Count());
    }

    [Fact]
    public async Task A_failing_endpoint_gets_the_same_webhook_id_until_it_answers_and_a_delivery_can_be_retried_by_hand()
    {
        await using var merchant = await RegisteredReceiver.StartAsync(app.Admin, "claim.held");
        var failures = 0;
        merchant.Receiver.Answer = r => r.Body.Contains("webhook-flaky") && Interlocked.Increment(ref failures) <= 2 ? 500 : 200;
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        await _steps.HeldAsync(sale.SaleId, "webhook-flaky");

        await Eventually.True(() => Task.FromResult(merchant.Receiver.All.Any(r => r.Body.Contains(sale.SaleId) && r.AnsweredWith == 200)),
            Within, "delivered after two 500s");
        var tries = merchant.Receiver.All.Where(r => r.Body.Contains(sale.SaleId)).ToList();
        Assert.Equal([500, 500, 200], tries.Select(t => t.AnsweredWith));
        Assert.Single(tries.Select(t => t.WebhookId).Distinct());
        Assert.Single(tries.Select(t => t.Body).Distinct());
        Assert.All(tries, t => Assert.True(t.Verified));

        // Outcomes are recorded in groups, a moment after the receiver answered.
        JsonElement delivery = default;
        await Eventually.True(async () => (delivery = (await merchant.DeliveriesAsync()).EnumerateArray()
                .First(d => d.GetProperty("eventId").GetString() == tries[0].WebhookId)).GetProperty("status").GetString() == "delivered",
            Within, "recorded as delivered");
        Assert.Equal([500, 500, 200], delivery.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));

        var retried = await app.Admin.PostJsonAsync($"/admin/webhooks/{merchant.WebhookId}/deliveries/{delivery.GetProperty("deliveryId").GetInt64()}/retry", new { });
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        await Eventually.True(() => Task.FromResult(merchant.Receiver.All.Count(r => r.WebhookId == tries[0].WebhookId) == 4), Within, "sent again by hand");
        var missing = await app.Admin.PostJsonAsync($"/admin/webhooks/{merchant.WebhookId}/deliveries/999999999/retry", new { });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_claim_event_waits_while_the_one_before_it_is_still_being_retried()
    {
        await using var merchant = await RegisteredReceiver.StartAsync(app.Admin, "claim.held", "claim.released");
        var refusals = 0;
        // The hold's event is refused three times; meanwhile the hold is given up, so its release is due long before
        // the hold's event gets through.
        merchant.Receiver.Answer = r => r.Body.Contains("\"claim.held\"") && r.Body.Contains("webhook-patient") && Interlocked.Increment(ref refusals) <= 3 ? 500 : 200;
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var claim = await _steps.HeldAsync(sale.SaleId, "webhook-patient");
        Assert.Equal(HttpStatusCode.OK, (await app.Storefront.ReleaseAsync(sale.SaleId, claim)).StatusCode);

        await Eventually.True(() => Task.FromResult(merchant.Of(sale.SaleId).Any(e => e.Type == "claim.released")), Within, "the release arrived");
        var tries = merchant.Receiver.All.Where(r => r.Body.Contains(sale.SaleId)).ToList();
        Assert.Equal([500, 500, 500, 200, 200], tries.Select(t => t.AnsweredWith));
        Assert.Equal(["claim.held", "claim.held", "claim.held", "claim.held", "claim.released"],
            tries.Select(t => JsonDocument.Parse(t.Body).RootElement.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_in_time_is_retried_with_the_same_webhook_id()
    {
        await using var merchant = await RegisteredReceiver.StartAsync(app.Admin, "claim.held");
        merchant.Receiver.Delay = TimeSpan.FromSeconds(2); // past the test hosts' 1 s timeout
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        await _steps.HeldAsync(sale.SaleId, "webhook-slow");
        await Eventually.True(() => Task.FromResult(merchant.Receiver.All.Count(r => r.Body.Contains(sale.SaleId)) >= 2), Within, "retried after a timeout");
        merchant.Receiver.Delay = TimeSpan.Zero;
        await Eventually.True(async () => (await merchant.DeliveriesAsync()).EnumerateArray().Any(d => d.GetProperty("status").GetString() == "delivered"),
            Within, "delivered once it answers in time");
        var tries = merchant.Receiver.All.Where(r => r.Body.Contains(sale.SaleId)).ToList();
        Assert.Single(tries.Select(t => t.WebhookId).Distinct());
        var attempts = (await merchant.DeliveriesAsync()).EnumerateArray().First().GetProperty("attempts").EnumerateArray().ToList();
        Assert.Contains(attempts, a => a.GetProperty("error").GetString()!.Contains("no answer within"));
    }

    private static string Id((string WebhookId, string Type, JsonElement Data) e) => e.Data.GetProperty("claimId").GetString()!;

    private static string[] Types(IReadOnlyList<(string WebhookId, string Type, JsonElement Data)> events, string claimId) =>
        events.Where(e => Id(e) == claimId).Select(e => e.Type).ToArray();

    private static string Normalized(JsonElement claim) =>
        JsonSerializer.Serialize(claim.EnumerateObject().Where(p => p.Name != "updatedAt").OrderBy(p => p.Name).ToDictionary(p => p.Name, p => p.Value.ToString()));
}

[Collection(ServiceCollection.Name)]
public sealed class ClaimEventDeliveryTestsOnSingleNode(ServiceFixture app) : ClaimEventDeliveryTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class ClaimEventDeliveryTestsOnCluster(ClusterServiceFixture app) : ClaimEventDeliveryTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class ClaimEventDeliveryTestsBehindSentinels(SentinelServiceFixture app) : ClaimEventDeliveryTests(app);
