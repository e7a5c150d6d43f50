using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>Invariants 1, 2, 4, 5 under a real crowd: thousands of concurrent HTTP claims for a small stock.</summary>
public abstract class ClaimRaceTests(ServiceFixture app, ITestOutputHelper output)
{
    private const int Stock = 100;
    private const int Users = 2500;

    [Fact]
    public async Task Five_thousand_concurrent_claims_admit_exactly_the_stock_once_per_user_and_all_get_paid()
    {
        var live = await app.Admin.LiveSaleAsync(Stock);
        var users = Enumerable.Range(0, Users).Select(i => $"race-user-{i}").ToArray();
        // Every user claims twice at once: a double click.
        var attempts = users.SelectMany(u => new[] { u, u }).OrderBy(_ => Random.Shared.Next()).ToArray();

        var clock = Stopwatch.StartNew();
        var start = new TaskCompletionSource();
        var requests = attempts.Select(async user =>
        {
            await start.Task;
            var response = await app.Storefront.ClaimAsync(live.SaleId, user);
            return (user, response.StatusCode, await ReadAsync(response));
        }).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(requests);
        var wall = clock.Elapsed;

        var admitted = results.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        var replays = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var soldOut = results.Where(r => r.StatusCode == HttpStatusCode.Conflict).ToList();
        output.WriteLine($"{results.Length} requests from {Users} users in {wall.TotalMilliseconds:0} ms " +
                         $"({results.Length / wall.TotalSeconds:0} req/s): {admitted.Count} admitted, {replays.Count} replays, {soldOut.Count} sold out");

        Assert.Equal(results.Length, admitted.Count + replays.Count + soldOut.Count);
        Assert.Equal(Stock, admitted.Count);
        Assert.All(soldOut, r => Assert.Equal("sold_out", r.Item3.Code));
        foreach (var group in results.GroupBy(r => r.user))
        {
            var pair = group.ToList();
            if (pair.Any(r => r.StatusCode == HttpStatusCode.Accepted))
            {
                // The winner's second request got the same claim back, with no stock taken.
                Assert.Single(pair, r => r.StatusCode == HttpStatusCode.Accepted);
                Assert.Single(pair, r => r.StatusCode == HttpStatusCode.OK);
                Assert.Single(pair.Select(r => r.Item3.ClaimId).Distinct());
            }
            else
            {
                Assert.All(pair, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
            }
        }
        Assert.Equal(Stock, admitted.Select(r => r.Item3.ClaimId).Distinct().Count());

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(live.SaleId)).Counts!.Paid == Stock,
            TimeSpan.FromSeconds(60), "every admitted claim is paid");
        var settled = clock.Elapsed;
        output.WriteLine($"all {Stock} paid {settled.TotalMilliseconds:0} ms after the first request");

        var ledger = await InvariantAudit.For(app).AssertSettledAsync(live.SaleId);
        Assert.Equal(Stock, ledger.Sold);
        Assert.Equal(0, ledger.RedisRemaining);
        Assert.Equal(Stock, ledger.Claims.Count);
        Assert.All(ledger.Charges, c => Assert.Equal("succeeded", c.Outcome));
        foreach (var winner in admitted.Take(10))
            Assert.Equal("paid", (await app.Storefront.GetClaimAsync(live.SaleId, winner.Item3.ClaimId!)).Status);
    }

    private static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string? Member(string name) => json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new Answer(Member("claimId"), Member("code"));
    }

    private sealed record Answer(string? ClaimId, string? Code);
}

[Collection(ServiceCollection.Name)]
public sealed class ClaimRaceTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : ClaimRaceTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class ClaimRaceTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : ClaimRaceTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class ClaimRaceTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : ClaimRaceTests(app, output);
