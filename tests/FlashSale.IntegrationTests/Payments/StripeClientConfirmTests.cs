using System.Net;
using System.Net.Http.Json;
using Dapper;
using FlashSale.IntegrationTests.Holds;
using FlashSale.IntegrationTests.Infrastructure;
using Stripe;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>
/// Client confirm and late refunds through the Stripe provider (Stripe.net against WireMock playing Stripe): the
/// checkout creates an unconfirmed PaymentIntent under the attempt's key and hands its client secret over; Stripe's
/// signed <c>payment_intent.succeeded</c> pays the hold, or, once the hold has expired, is refunded under
/// <c>flashsale-refund-{claimId}</c>, once however often Stripe re-sends it.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class StripeClientConfirmTests
{
    [Fact]
    public async Task A_hold_paid_in_the_browser_is_paid_by_stripes_signed_event()
    {
        using var stripe = new FakeStripe();
        await using var app = await IsolatedService.StartAsync(Settings(stripe));
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var claimId = await HeldAsync(app, sale.SaleId, "stripe-browser");

        var intent = await ClientIntentAsync(app, sale.SaleId, claimId);
        var created = Assert.Single(stripe.IntentsOf(claimId));
        Assert.Equal((created.Id, created.ClientSecret), (intent.PaymentIntentId, intent.ClientSecret));
        Assert.Equal(("flashsale-charge-" + claimId + "-1", "", 12900L), (created.IdempotencyKey, created.PaymentMethod, created.Amount));
        Assert.True(created.Unconfirmed);

        var paid = stripe.ConfirmInBrowser(intent.PaymentIntentId, "pm_card_visa");
        Assert.Equal(HttpStatusCode.OK, (await SendEventAsync(app, "payment_intent.succeeded", paid.ToJson())).StatusCode);
        Assert.Equal("paid", (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status);
        Assert.Empty(stripe.Refunds);
    }

    [Fact]
    public async Task A_payment_stripe_reports_after_the_hold_expired_is_refunded_once()
    {
        using var stripe = new FakeStripe();
        await using var app = await IsolatedService.StartAsync(Settings(stripe));
        var sale = await app.Admin.LiveSaleAsync(stock: 1, checkout: Checkout.Hold());
        var claimId = await HeldAsync(app, sale.SaleId, "stripe-too-late");
        var intent = await ClientIntentAsync(app, sale.SaleId, claimId);
        await using (var conn = await app.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE claims SET hold_expires_at = now() WHERE claim_id = @claimId", new { claimId });
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "expired",
            TimeSpan.FromSeconds(10), "the hold expired");

        var paid = stripe.ConfirmInBrowser(intent.PaymentIntentId, "pm_card_visa");
        var payload = Event("payment_intent.succeeded", paid.ToJson());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(app, payload)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(app, payload)).StatusCode);

        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "refunded",
            TimeSpan.FromSeconds(10), "the late payment is refunded");
        var refund = Assert.Single(stripe.Refunds);
        Assert.Equal(($"flashsale-refund-{claimId}", intent.PaymentIntentId, claimId), (refund.Key, refund.PaymentIntentId, refund.ClaimId));
        // The refund and any retry of it (the sweep of owed refunds) carry the one key, so Stripe made one refund.
        Assert.All(stripe.RefundRequests, r => Assert.Equal($"flashsale-refund-{claimId}", FakeStripe.Header(r, "Idempotency-Key")));
        Assert.Equal(1, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);
    }

    private static Dictionary<string, string?> Settings(FakeStripe stripe) => StripeSettings.For(stripe, new Dictionary<string, string?>
    {
        ["FlashSale:Payments:Stripe:WebhookSecret"] = FakeStripe.WebhookSecret,
    });

    private static async Task<string> HeldAsync(IsolatedService app, string saleId, string user)
    {
        var held = (await (await app.Storefront.HoldAsync(saleId, user)).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
        await Eventually.True(async () => await RecordedAsync(app, held.ClaimId), TimeSpan.FromSeconds(15), "the worker recorded the hold");
        return held.ClaimId;
    }

    private static async Task<bool> RecordedAsync(IsolatedService app, string claimId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM claims WHERE claim_id = @claimId", new { claimId }) == 1;
    }

    private static async Task<ClientIntent> ClientIntentAsync(IsolatedService app, string saleId, string claimId)
    {
        var response = await app.Storefront.PostJsonAsync($"/sales/{saleId}/claims/{claimId}/checkout", new { confirm = "client" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClientIntent>(FlashSaleClient.Json))!;
    }

    private static Task<HttpResponseMessage> SendEventAsync(IsolatedService app, string type, string intentJson) => PostAsync(app, Event(type, intentJson));

    private static string Event(string type, string intentJson) =>
        "{\"id\":\"evt_fake_" + Guid.NewGuid().ToString("N") + "\",\"object\":\"event\",\"api_version\":\"" + StripeConfiguration.ApiVersion +
        "\",\"created\":" + DateTimeOffset.UtcNow.ToUnixTimeSeconds() + ",\"livemode\":false,\"type\":\"" + type + "\",\"data\":{\"object\":" + intentJson + "}}";

    private static Task<HttpResponseMessage> PostAsync(IsolatedService app, string payload) =>
        app.Storefront.PostStripeEventAsync(payload, EventUtility.GenerateSignatureHeader(payload, FakeStripe.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
}
