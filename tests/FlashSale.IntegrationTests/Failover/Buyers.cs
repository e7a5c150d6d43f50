using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// Buyers arriving without pause while a test breaks Redis: each claims once and, on a 503, tries again half a
/// second later (a storefront honouring Retry-After, at the per-user rate the service allows), so a retry during a
/// failover must be a replay, never a second claim.
/// </summary>
public sealed class Buyers(FlashSaleClient storefront, string saleId, string prefix)
{
    public sealed record Answer(string User, TimeSpan SentAt, TimeSpan Took, HttpStatusCode? Status, string? ClaimId, string? Code, bool RetryAfter);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _next;

    public ConcurrentQueue<Answer> Answers { get; } = [];
    public TimeSpan Now => _clock.Elapsed;

    private int _inFlight;

    /// <summary>Answers by status since <paramref name="at"/>, and requests still waiting: what a failed wait prints.</summary>
    public string Summary(TimeSpan at) =>
        string.Join(", ", Answers.Where(a => a.SentAt >= at).GroupBy(a => $"{(int?)a.Status} {a.Code}").Select(g => $"{g.Key}: {g.Count()}")) +
        $"; in flight {Volatile.Read(ref _inFlight)}";

    public int AdmittedSince(TimeSpan at) => Answers.Count(a => a.Status == HttpStatusCode.Accepted && a.SentAt >= at);

    public Task RunAsync(int concurrency, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var user = $"{prefix}-{Interlocked.Increment(ref _next)}";
                // Until the buyer has an answer that is not "try again" (or the test ends).
                while (await ClaimAsync(user) == HttpStatusCode.ServiceUnavailable && !stop.IsCancellationRequested)
                    await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            }
        })));

    private async Task<HttpStatusCode?> ClaimAsync(string user)
    {
        var sentAt = _clock.Elapsed;
        Interlocked.Increment(ref _inFlight);
        try
        {
            var response = await storefront.ClaimAsync(saleId, user);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            string? Member(string name) => json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            Answers.Enqueue(new(user, sentAt, _clock.Elapsed - sentAt, response.StatusCode, Member("claimId"), Member("code"), response.Headers.RetryAfter is not null));
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            Answers.Enqueue(new(user, sentAt, _clock.Elapsed - sentAt, null, null, null, false));
            return null;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
