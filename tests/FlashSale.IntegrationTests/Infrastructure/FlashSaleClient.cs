using Microsoft.AspNetCore.Mvc.Testing;
using System.Net.Http.Headers;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>The contract's HTTP API as a test calls it.</summary>
public sealed class FlashSaleClient(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A client of a test host, sending <paramref name="key"/> as its bearer key (none if null).</summary>
    public static FlashSaleClient Of(WebApplicationFactory<Program> host, string? key)
    {
        // A handler of our own on the host's Kestrel address: the factory's opens a connection per concurrent request
        // without bound and keeps each for a minute, so races of thousands of buyers side by side (each connection two
        // sockets in this process, client and server) came close to the process's limit of open files. A few hundred
        // connections are still a real crowd.
        using var probe = host.CreateClient();
        var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
        })
        {
            BaseAddress = probe.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
        };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new FlashSaleClient(client);
    }

    public HttpClient Http => http;

    public async Task<SaleView> CreateSaleAsync(int stock, int perUserLimit = 1, TimeSpan? startsIn = null, TimeSpan? endsIn = null,
        long priceCents = 12900, string sku = "SKU-42", Checkout? checkout = null)
    {
        var response = await PostJsonAsync("/admin/sales", SaleBody(stock, perUserLimit, startsIn, endsIn, priceCents, sku, checkout));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SaleView>(Json))!;
    }

    public static Dictionary<string, object?> SaleBody(int stock, int perUserLimit = 1, TimeSpan? startsIn = null, TimeSpan? endsIn = null,
        long priceCents = 12900, string sku = "SKU-42", Checkout? checkout = null)
    {
        var now = DateTimeOffset.UtcNow;
        var body = new Dictionary<string, object?>
        {
            ["sku"] = sku, ["name"] = "Limited sneaker", ["stock"] = stock, ["priceCents"] = priceCents, ["currency"] = "usd",
            ["startsAt"] = now + (startsIn ?? TimeSpan.FromMinutes(-1)), ["endsAt"] = now + (endsIn ?? TimeSpan.FromMinutes(30)),
            ["perUserLimit"] = perUserLimit,
        };
        if (checkout is not null)
        {
            body["checkout"] = checkout.Mode;
            body["holdSeconds"] = checkout.HoldSeconds;
            body["maxPaymentAttempts"] = checkout.MaxPaymentAttempts;
        }
        return body;
    }

    /// <summary>A sale that is live now, preloaded into Redis.</summary>
    public async Task<SaleView> LiveSaleAsync(int stock, int perUserLimit = 1, Checkout? checkout = null)
    {
        var sale = await CreateSaleAsync(stock, perUserLimit, checkout: checkout);
        await PreloadAsync(sale.SaleId);
        return sale;
    }

    /// <summary>A live sale whose stock is split over <paramref name="poolShards"/> Redis pools, preloaded.</summary>
    public async Task<SaleView> LiveShardedSaleAsync(int stock, int poolShards, int perUserLimit = 1, Checkout? checkout = null)
    {
        var body = SaleBody(stock, perUserLimit, checkout: checkout);
        body["poolShards"] = poolShards;
        var response = await PostJsonAsync("/admin/sales", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sale = (await response.Content.ReadFromJsonAsync<SaleView>(Json))!;
        await PreloadAsync(sale.SaleId);
        return sale;
    }

    public async Task PreloadAsync(string saleId)
    {
        var preload = await http.PostAsync($"/admin/sales/{saleId}/preload", null);
        Assert.Equal(HttpStatusCode.OK, preload.StatusCode);
    }

    public Task<HttpResponseMessage> ClaimAsync(string saleId, string userId, string paymentMethodId = "pm_card_visa", int quantity = 1) =>
        PostJsonAsync($"/sales/{saleId}/claims", new { userId, quantity, paymentMethodId });

    /// <summary>A claim in a hold sale: no payment method, the buyer pays through checkout.</summary>
    public Task<HttpResponseMessage> HoldAsync(string saleId, string userId, int quantity = 1) =>
        PostJsonAsync($"/sales/{saleId}/claims", new { userId, quantity });

    /// <summary>The buyer gives the hold up.</summary>
    public Task<HttpResponseMessage> ReleaseAsync(string saleId, string claimId) => http.DeleteAsync($"/sales/{saleId}/claims/{claimId}");

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) =>
        http.PostAsync(path, new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string contentType = "application/json") =>
        http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>A Stripe event as Stripe posts it: the raw payload, signed in the <c>Stripe-Signature</c> header when given.</summary>
    public Task<HttpResponseMessage> PostStripeEventAsync(string payload, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.Add("Stripe-Signature", signature);
        return http.SendAsync(request);
    }

    public Task<HttpResponseMessage> ActionAsync(string saleId, string action) =>
        http.PostAsync($"/admin/sales/{saleId}/{action}", null);

    public async Task<SaleView> GetSaleAsync(string saleId) =>
        (await http.GetFromJsonAsync<SaleView>($"/admin/sales/{saleId}", Json))!;

    /// <summary>The claim's status, or the HTTP status when there is none to read (404 forgotten, 503 store down).</summary>
    public async Task<string> ClaimStatusAsync(string saleId, string claimId)
    {
        var response = await http.GetAsync($"/sales/{saleId}/claims/{claimId}");
        if (response.StatusCode != HttpStatusCode.OK) return ((int)response.StatusCode).ToString();
        return (await response.Content.ReadFromJsonAsync<ClaimView>(Json))!.Status;
    }

    public async Task<ClaimView> GetClaimAsync(string saleId, string claimId) =>
        (await http.GetFromJsonAsync<ClaimView>($"/sales/{saleId}/claims/{claimId}", Json))!;
}

/// <summary>A sale's v2 checkout options.</summary>
public sealed record Checkout(string Mode, int HoldSeconds = 600, int MaxPaymentAttempts = 3)
{
    public static Checkout Hold(int holdSeconds = 600, int maxPaymentAttempts = 3) => new("hold", holdSeconds, maxPaymentAttempts);

    /// <summary>Charged at once; a buyer whose claim failed payment may claim again, up to maxPaymentAttempts claims.</summary>
    public static Checkout Immediate(int maxPaymentAttempts = 3) => new("immediate", MaxPaymentAttempts: maxPaymentAttempts);
}

public sealed record SaleView(string SaleId, string Sku, string Name, int Stock, long PriceCents, string Currency,
    DateTime StartsAt, DateTime EndsAt, int PerUserLimit, string Status, CountsView? Counts);

public sealed record CountsView(int Stock, int Remaining, int Admitted, int Confirmed, int Paid, int PaymentFailed,
    int Released, int Rejected, int InFlight, int Sold);

public sealed record ClaimAccepted(string ClaimId, string Status, string StatusUrl);

public sealed record ClaimView(string ClaimId, string SaleId, string UserId, int Quantity, string Status,
    string? OrderId, string? FailureReason, DateTime UpdatedAt, DateTime? HoldExpiresAt = null, int? AttemptsLeft = null,
    string? LastPaymentError = null);

/// <summary>The 202 of a claim in a hold sale.</summary>
public sealed record HoldAccepted(string ClaimId, string Status, DateTime HoldExpiresAt, string StatusUrl, string CheckoutUrl);

public sealed record Problem(int Status, string Code, string? Title, string? Detail, Dictionary<string, string[]>? Errors);
