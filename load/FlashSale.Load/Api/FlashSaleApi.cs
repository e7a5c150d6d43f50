using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace FlashSale.Load.Api;

/// <summary>
/// The contract's HTTP API as the rehearsal calls it: one pooled client for the crowd (connections capped),
/// one for the admin calls, so the audit never queues behind the crowd.
/// </summary>
public sealed class FlashSaleApi : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient _crowd;
    private readonly HttpClient _storefront;
    private readonly HttpClient _admin;

    private readonly HttpClient _monitor;

    public FlashSaleApi(Uri baseAddress, string adminKey, string storefrontKey, int connections, TimeSpan timeout)
    {
        _crowd = Client(baseAddress, storefrontKey, connections, timeout);
        _storefront = Client(baseAddress, storefrontKey, 64, TimeSpan.FromSeconds(30));
        _admin = Client(baseAddress, adminKey, 8, TimeSpan.FromSeconds(30));
        _monitor = Client(baseAddress, adminKey, 2, TimeSpan.FromSeconds(30));
    }

    /// <summary>The live counts for the progress view and the charts, on a connection of their own.</summary>
    public async Task<SaleCounts?> GetCountsAsync(string saleId, CancellationToken ct)
    {
        using var response = await _monitor.GetAsync($"admin/sales/{saleId}", ct);
        if (!response.IsSuccessStatusCode) return null;
        return (await response.Content.ReadFromJsonAsync<SaleView>(Json, ct))?.Counts;
    }

    internal static HttpClient Client(Uri baseAddress, string? key, int connections, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <param name="openFor">From now to the sale's end.</param>
    /// <param name="room">A waiting room, and the start it sets; without one the sale started a minute ago.</param>
    public async Task<SaleView> CreateSaleAsync(int stock, TimeSpan openFor, string checkout, int holdSeconds, CancellationToken ct, WaitingRoomPlan? room = null,
        DateTimeOffset? startsAt = null, int perUserLimit = 1, int poolShards = 1)
    {
        var now = DateTimeOffset.UtcNow;
        startsAt ??= room?.StartsAt ?? now.AddMinutes(-1);
        var body = new Dictionary<string, object?>
        {
            ["sku"] = "REHEARSAL", ["name"] = $"Rehearsal {now:yyyy-MM-dd HH:mm:ss}", ["stock"] = stock, ["priceCents"] = 12900,
            ["currency"] = "usd", ["startsAt"] = startsAt, ["endsAt"] = now + openFor, ["perUserLimit"] = perUserLimit,
            ["checkout"] = checkout, ["holdSeconds"] = holdSeconds,
        };
        if (poolShards > 1) body["poolShards"] = poolShards;
        if (room is not null)
            body["waitingRoom"] = new { enabled = true, prequeueMinutes = room.PrequeueMinutes, outflowPerMinute = room.OutflowPerMinute, tokenSeconds = room.TokenSeconds };
        using var response = await _admin.PostAsJsonAsync("admin/sales", body, Json, ct);
        await EnsureAsync(response, "create the sale", HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<SaleView>(Json, ct))!;
    }

    public async Task PreloadAsync(string saleId, CancellationToken ct)
    {
        using var response = await _admin.PostAsync($"admin/sales/{saleId}/preload", null, ct);
        await EnsureAsync(response, "preload the sale", HttpStatusCode.OK);
    }

    public async Task<SaleView> GetSaleAsync(string saleId, CancellationToken ct)
    {
        using var response = await ReadAsync(_admin, $"admin/sales/{saleId}", ct);
        await EnsureAsync(response, $"read sale {saleId}", HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<SaleView>(Json, ct))!;
    }

    public async Task<ClaimView?> GetClaimAsync(string saleId, string claimId, CancellationToken ct)
    {
        using var response = await ReadAsync(_storefront, $"sales/{saleId}/claims/{claimId}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureAsync(response, $"read claim {claimId}", HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<ClaimView>(Json, ct);
    }

    // A read changes nothing, so the audit asks again when the service says it is busy or a store is away for a moment
    // (503, 429), after the Retry-After it gives: a verdict should not fail on one busy second at the end of a run.
    private static async Task<HttpResponseMessage> ReadAsync(HttpClient http, string path, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await http.GetAsync(path, ct);
            if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests) || attempt == 5) return response;
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200 * attempt);
            response.Dispose();
            await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5), ct);
        }
    }

    /// <summary>One buyer's claim. Never throws for what the network or the service does: that is an answer too.</summary>
    /// <param name="paymentMethodId">Null in hold checkout: the buyer pays at checkout.</param>
    /// <param name="admission">A waiting-room sale: the ticket's admission token.</param>
    /// <param name="quantity">Units the buyer asks for (<c>--quantity</c>), up to the sale's perUserLimit.</param>
    public async Task<ClaimAnswer> ClaimAsync(string saleId, string userId, string? paymentMethodId, CancellationToken ct, string? admission = null, int quantity = 1)
    {
        var body = Encoding.UTF8.GetBytes(paymentMethodId is null
            ? $$"""{"userId":"{{userId}}","quantity":{{quantity}}}"""
            : $$"""{"userId":"{{userId}}","quantity":{{quantity}},"paymentMethodId":"{{paymentMethodId}}"}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"sales/{saleId}/claims")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = JsonType } },
        };
        if (admission is not null) request.Headers.TryAddWithoutValidation("FlashSale-Admission", admission);
        try
        {
            using var response = await _crowd.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            var (claimId, code) = AnswerReader.Read(bytes);
            var status = (int)response.StatusCode;
            return new ClaimAnswer(status, claimId, code ?? (status is 200 or 202 ? null : $"http_{status}"));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ClaimAnswer(0, null, "timeout");
        }
        catch (HttpRequestException e)
        {
            return new ClaimAnswer(0, null, e.HttpRequestError == HttpRequestError.ConnectionError ? "connection_error" : "http_error");
        }
    }

    /// <summary>A hold's server-side checkout; the HTTP status (0 for no answer) and the problem's code.</summary>
    public async Task<(int Status, string? Code)> CheckoutAsync(string saleId, string claimId, string paymentMethodId, CancellationToken ct)
    {
        try
        {
            using var response = await _storefront.PostAsJsonAsync($"sales/{saleId}/claims/{claimId}/checkout", new { paymentMethodId }, Json, ct);
            var (_, code) = AnswerReader.Read(await response.Content.ReadAsByteArrayAsync(ct));
            return ((int)response.StatusCode, code);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (0, "no_answer");
        }
    }

    internal static async Task EnsureAsync(HttpResponseMessage response, string what, HttpStatusCode expected)
    {
        if (response.StatusCode == expected) return;
        var text = await response.Content.ReadAsStringAsync();
        throw new SetupException($"Could not {what}: HTTP {(int)response.StatusCode} {Truncate(text)}");
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";

    public void Dispose()
    {
        _crowd.Dispose();
        _storefront.Dispose();
        _admin.Dispose();
        _monitor.Dispose();
    }
}
