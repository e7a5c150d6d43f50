using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>Buyers claiming concurrently, and what each one was told (or that the connection broke).</summary>
public sealed class Crowd
{
    public ConcurrentBag<(string User, HttpStatusCode? Status, string? ClaimId, string? Code)> Answers { get; } = [];

    public IEnumerable<string> AdmittedClaimIds => Answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.ClaimId!);
    public int Count(HttpStatusCode status) => Answers.Count(a => a.Status == status);
    public int Broken => Answers.Count(a => a.Status is null);

    public Task ClaimAsync(FlashSaleClient storefront, string saleId, IEnumerable<string> users, int parallelism = 32) =>
        Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (user, _) =>
        {
            try
            {
                var response = await storefront.ClaimAsync(saleId, user);
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                string? Member(string name) => json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                Answers.Add((user, response.StatusCode, Member("claimId"), Member("code")));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                // The process died under this request: its outcome is unknown to the buyer, not to the stores.
                Answers.Add((user, null, null, null));
            }
        });

    public static IEnumerable<string> Users(string prefix, int from, int count) => Enumerable.Range(from, count).Select(i => $"{prefix}-{i}");
}
