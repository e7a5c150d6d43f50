using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.Client;

/// <summary>
/// The storefront API of FlashSale (CONTRACT.md v2), called with the storefront key. Every refusal is a
/// <see cref="FlashSaleProblemException"/> with the contract's code. Requests the contract makes safe to repeat are
/// retried by <see cref="RetryPolicy"/>; a claim is retried only as the replay the contract promises.
/// </summary>
public sealed class StorefrontClient
{
    /// <summary>The header a waiting-room sale's claim carries its admission token in.</summary>
    public const string AdmissionHeader = "FlashSale-Admission";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue _key;
    private readonly TimeProvider _clock;

    /// <param name="http">With <see cref="HttpClient.BaseAddress"/> set to the service, e.g. <c>http://127.0.0.1:8080</c>.</param>
    /// <param name="storefrontKey">The storefront key (<c>FlashSale:StorefrontKey</c>).</param>
    public StorefrontClient(HttpClient http, string storefrontKey, RetryPolicy? retry = null, PollPolicy? poll = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(http.BaseAddress, nameof(http) + ".BaseAddress");
        ArgumentException.ThrowIfNullOrEmpty(storefrontKey);
        _http = http;
        _key = new AuthenticationHeaderValue("Bearer", storefrontKey);
        _clock = clock ?? TimeProvider.System;
        Retry = retry ?? new RetryPolicy();
        Poll = poll ?? new PollPolicy();
    }

    public RetryPolicy Retry { get; }
    public PollPolicy Poll { get; }

    public async Task<PublicSale> GetSaleAsync(string saleId, CancellationToken ct = default) =>
        await ReadAsync<PublicSale>(await SendAsync(HttpMethod.Get, $"sales/{Id(saleId)}", null, null, repeatable: true, ct), ct);

    /// <summary>
    /// Claims for one buyer. A retry after a lost answer sends this same request again, which the contract answers with
    /// the same claim (<see cref="ClaimAnswer.IsReplay"/>), never a second one: no unit is taken twice.
    /// </summary>
    /// <param name="admissionToken">A waiting-room sale: the admitted ticket's token.</param>
    public async Task<ClaimAnswer> ClaimAsync(string saleId, ClaimRequest claim, string? admissionToken = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var body = JsonSerializer.SerializeToUtf8Bytes(claim, Json);
        var headers = admissionToken is null ? null : new Dictionary<string, string> { [AdmissionHeader] = admissionToken };
        using var response = await SendAsync(HttpMethod.Post, $"sales/{Id(saleId)}/claims", body, headers, repeatable: true, ct);
        var answer = await ReadAsync<ClaimAnswer>(response, ct);
        return answer with { IsReplay = response.StatusCode == HttpStatusCode.OK };
    }

    public async Task<Claim> GetClaimAsync(string saleId, string claimId, CancellationToken ct = default) =>
        await ReadAsync<Claim>(await SendAsync(HttpMethod.Get, ClaimPath(saleId, claimId), null, null, repeatable: true, ct), ct);

    /// <summary>
    /// Polls the claim until it is terminal (<see cref="ClaimStatuses.IsTerminal"/>) or, with <paramref name="orHeld"/>,
    /// held for checkout; backing off per <see cref="PollPolicy"/>.
    /// </summary>
    public async Task<Claim> WaitUntilTerminalAsync(string saleId, string claimId, bool orHeld = false, CancellationToken ct = default)
    {
        var deadline = _clock.GetTimestamp() + (long)(Poll.Within.TotalSeconds * _clock.TimestampFrequency);
        var delay = Poll.FirstDelay;
        while (true)
        {
            var claim = await GetClaimAsync(saleId, claimId, ct);
            if (claim.IsTerminal || (orHeld && claim.Status == ClaimStatuses.Held)) return claim;
            if (_clock.GetTimestamp() + (long)(delay.TotalSeconds * _clock.TimestampFrequency) > deadline)
                throw new TimeoutException($"Claim {claimId} is still {claim.Status} after {Poll.Within}.");
            await Task.Delay(delay, _clock, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(Poll.MaxDelay.TotalMilliseconds, delay.TotalMilliseconds * Poll.Growth));
        }
    }

    /// <summary>
    /// Pays for a hold with this payment method (server-side confirm): the claim comes back <c>payment_pending</c>;
    /// wait for <c>paid</c>, or for <c>held</c> again with <see cref="Claim.LastPaymentError"/> after a decline.
    /// Sent again only after a 429 or 503; an answer lost on the way is not (read the claim to know what happened).
    /// </summary>
    public async Task<Claim> CheckoutAsync(string saleId, string claimId, string paymentMethodId, CancellationToken ct = default) =>
        await ReadAsync<Claim>(await SendAsync(HttpMethod.Post, ClaimPath(saleId, claimId) + "/checkout",
            JsonSerializer.SerializeToUtf8Bytes(new { paymentMethodId }, Json), null, repeatable: false, ct), ct);

    /// <summary>Starts a client-confirm checkout: a PaymentIntent for Stripe.js; the outcome arrives by Stripe's webhook.</summary>
    public async Task<ClientCheckout> StartClientCheckoutAsync(string saleId, string claimId, CancellationToken ct = default) =>
        await ReadAsync<ClientCheckout>(await SendAsync(HttpMethod.Post, ClaimPath(saleId, claimId) + "/checkout",
            JsonSerializer.SerializeToUtf8Bytes(new { confirm = "client" }, Json), null, repeatable: false, ct), ct);

    /// <summary>Gives a hold up: <c>released</c>, its units back on sale at once. A repeat answers the same.</summary>
    public async Task<Claim> ReleaseAsync(string saleId, string claimId, CancellationToken ct = default) =>
        await ReadAsync<Claim>(await SendAsync(HttpMethod.Delete, ClaimPath(saleId, claimId), null, null, repeatable: true, ct), ct);

    /// <summary>Joins the sale's waiting room; the same user again gets the same ticket.</summary>
    public async Task<Ticket> JoinQueueAsync(string saleId, string userId, CancellationToken ct = default) =>
        await ReadAsync<Ticket>(await SendAsync(HttpMethod.Post, $"sales/{Id(saleId)}/queue",
            JsonSerializer.SerializeToUtf8Bytes(new { userId }, Json), null, repeatable: true, ct), ct);

    /// <summary>The ticket now; poll again after <see cref="Ticket.PollAfterSeconds"/>.</summary>
    public async Task<Ticket> PollQueueAsync(string saleId, string ticketId, CancellationToken ct = default) =>
        await ReadAsync<Ticket>(await SendAsync(HttpMethod.Get, $"sales/{Id(saleId)}/queue/{Id(ticketId)}", null, null, repeatable: true, ct), ct);

    private static string ClaimPath(string saleId, string claimId) => $"sales/{Id(saleId)}/claims/{Id(claimId)}";

    private static string Id(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Uri.EscapeDataString(id);
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, byte[]? body, Dictionary<string, string>? headers, bool repeatable, CancellationToken ct)
    {
        var attempts = Math.Max(1, Retry.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            // A fresh message per attempt with the same bytes: what is sent again is exactly what was sent.
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = _key;
            foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
            if (body is not null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (Exception e) when (repeatable && attempt < attempts && !ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException)
            {
                // Lost on the way or timed out: the service may or may not have acted, and for these requests either is fine.
                await Task.Delay(Retry.DelayBefore(attempt + 1, null), _clock, ct);
                continue;
            }
            // A refusal changed nothing (CONTRACT.md, Errors), so coming back as asked is safe for every request.
            if (attempt < attempts && response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            {
                var wait = RetryAfterOf(response);
                response.Dispose();
                await Task.Delay(Retry.DelayBefore(attempt + 1, wait), _clock, ct);
                continue;
            }
            return response;
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ProblemOfAsync(response, ct);
            return await response.Content.ReadFromJsonAsync<T>(Json, ct)
                ?? throw new InvalidOperationException($"{(int)response.StatusCode} with an empty body");
        }
    }

    private async Task<FlashSaleProblemException> ProblemOfAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(ct);
        ProblemBody? problem = null;
        try
        {
            problem = JsonSerializer.Deserialize<ProblemBody>(text, Json);
        }
        catch (JsonException)
        {
            // Not ours (a proxy's error page): the status is all there is to go by.
        }
        return new FlashSaleProblemException(status, problem?.Code ?? $"http_{status}", problem?.Title, problem?.Detail ?? Truncate(text),
            problem?.Errors, RetryAfterOf(response));
    }

    private static string? Truncate(string text) => text.Length == 0 ? null : text.Length <= 200 ? text : text[..200];

    private TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _clock.GetUtcNow(),
        _ => null,
    };

    private sealed record ProblemBody(string? Code, string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}
