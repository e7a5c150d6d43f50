using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>What a storefront does with a hold, step by step, for the hold tests.</summary>
public sealed class HoldSteps(ServiceFixture app)
{
    /// <summary>A claim held and recorded by the worker, ready for checkout.</summary>
    public async Task<string> HeldAsync(string saleId, string user)
    {
        var response = await app.Storefront.HoldAsync(saleId, user);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var held = (await response.Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(saleId)).Claims.Any(c => c.ClaimId == held.ClaimId),
            TimeSpan.FromSeconds(15), "the worker recorded the hold");
        return held.ClaimId;
    }

    public Task<HttpResponseMessage> CheckoutAsync(string saleId, string claimId, string paymentMethodId) =>
        app.Storefront.PostJsonAsync($"/sales/{saleId}/claims/{claimId}/checkout", new { paymentMethodId });

    public Task<HttpResponseMessage> ClientCheckoutAsync(string saleId, string claimId) =>
        app.Storefront.PostJsonAsync($"/sales/{saleId}/claims/{claimId}/checkout", new { confirm = "client" });

    /// <summary>A client checkout started: the PaymentIntent to confirm in the browser.</summary>
    public async Task<ClientIntent> ClientIntentAsync(string saleId, string claimId)
    {
        var response = await ClientCheckoutAsync(saleId, claimId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClientIntent>(FlashSaleClient.Json))!;
    }

    /// <summary>What Stripe.js does in the browser, played by the simulated provider.</summary>
    public Task<HttpResponseMessage> ConfirmInBrowserAsync(string paymentIntentId, string paymentMethodId) =>
        app.Storefront.PostJsonAsync($"/simulated/payment_intents/{paymentIntentId}/confirm", new { paymentMethodId });

    public async Task<ClaimView> StatusAsync(string saleId, string claimId, string status)
    {
        ClaimView view = null!;
        await Eventually.True(async () => (view = await app.Storefront.GetClaimAsync(saleId, claimId)).Status == status,
            TimeSpan.FromSeconds(15), () => $"it is {view.Status}", $"the claim is {status}");
        return view;
    }

    /// <summary>Brings a hold's end forward to now, as if its time had passed: the expirer ends it at once.</summary>
    public async Task EndHoldNowAsync(string claimId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE claims SET hold_expires_at = now() WHERE claim_id = @claimId", new { claimId });
    }

    /// <summary>The Stripe events the service received about a claim, oldest first.</summary>
    public async Task<List<(string EventId, string Type, string Outcome, string Payload)>> EventsOfAsync(string claimId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return (await conn.QueryAsync<(string, string, string, string)>(
            "SELECT event_id, type, outcome, payload FROM stripe_events WHERE claim_id = @claimId ORDER BY received_at", new { claimId })).AsList();
    }

    public async Task<int> RefundAttemptsAsync(string claimId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int?>("SELECT attempts FROM simulated_refunds WHERE idempotency_key = @key",
            new { key = $"flashsale-refund-{claimId}" }) ?? 0;
    }

    public static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
}

public sealed record ClientIntent(string PaymentIntentId, string ClientSecret);
