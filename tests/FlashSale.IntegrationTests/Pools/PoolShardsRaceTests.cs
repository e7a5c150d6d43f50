using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Pools;

/// <summary>
/// A sale whose stock is split over three pools (poolShards 3) under a crowd: exactly the stock is admitted, once per
/// buyer, each in their home pool, every claim is paid, and every invariant holds. The crowd is skewed so the pools run
/// dry at different times, and one pool's buyers want more than its share: units must move to it, none stranded.
/// </summary>
public abstract class PoolShardsRaceTests(ServiceFixture app, ITestOutputHelper output)
{
    private const int Pools = 3;
    private const int Stock = 150;

    [Fact]
    public async Task Three_pools_admit_exactly_the_stock_once_per_buyer_and_move_units_to_the_pool_that_runs_dry()
    {
        var sale = await app.Admin.LiveShardedSaleAsync(Stock, Pools);
        var pools = new SalePools(sale.SaleId, Pools);
        // Twice as many buyers as units; two thirds of them at home in pool 0, which holds a third of the stock.
        var users = Enumerable.Range(0, 20_000).Select(i => $"shard-race-{i}").ToArray();
        var crowd = users.Where(u => pools.HomeOf(u) == 0).Take(200).Concat(users.Where(u => pools.HomeOf(u) != 0).Take(100)).ToArray();
        Assert.Equal(300, crowd.Length);
        var attempts = crowd.SelectMany(u => new[] { u, u }).OrderBy(_ => Random.Shared.Next()).ToArray();

        var start = new TaskCompletionSource();
        var requests = attempts.Select(async user =>
        {
            await start.Task;
            var response = await app.Storefront.ClaimAsync(sale.SaleId, user);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var claimId = json.RootElement.TryGetProperty("claimId", out var id) ? id.GetString() : null;
            var code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            return (User: user, response.StatusCode, ClaimId: claimId, Code: code);
        }).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(requests);

        var admitted = results.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        output.WriteLine($"{results.Length} requests: {admitted.Count} admitted, {results.Count(r => r.StatusCode == HttpStatusCode.OK)} replays, " +
                         $"{results.Count(r => r.StatusCode == HttpStatusCode.Conflict)} sold out, {results.Count(r => (int)r.StatusCode == 503)} retry later");
        // A 503 (a move that waited on Redis) is the buyer's to retry; here every request must have had a final answer.
        Assert.All(results, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.All(results.Where(r => r.StatusCode == HttpStatusCode.Conflict), r => Assert.Equal("sold_out", r.Code));
        Assert.Equal(Stock, admitted.Count);
        Assert.Equal(Stock, admitted.Select(r => r.User).Distinct().Count());
        foreach (var buyer in results.GroupBy(r => r.User).Where(g => g.Any(r => r.StatusCode == HttpStatusCode.Accepted)))
            Assert.Single(buyer.Select(r => r.ClaimId).Distinct());
        // Pool 0's buyers got more than its 50 units: the other pools gave it theirs.
        Assert.True(admitted.Count(r => pools.HomeOf(r.User) == 0) > Stock / Pools, "units moved to the pool that ran dry");

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == Stock,
            TimeSpan.FromSeconds(60), "every admitted claim is paid");
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal(0, ledger.RedisRemaining);
        Assert.Equal(Stock, ledger.Sold);

        await using var conn = await app.Db.OpenConnectionAsync();
        var moves = (await conn.QueryAsync<(string State, int Taken)>(
            "SELECT state, coalesce(taken, 0) FROM pool_transfers WHERE sale_id = @SaleId", new { sale.SaleId })).ToList();
        output.WriteLine($"{moves.Count} moves, {moves.Sum(m => m.Taken)} units moved");
        Assert.NotEmpty(moves);
        Assert.All(moves, m => Assert.Equal("done", m.State));
        var report = await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{sale.SaleId}/report", FlashSaleClient.Json);
        Assert.True(report.GetProperty("balanced").GetBoolean(), report.ToString());
    }
}

[Collection(ServiceCollection.Name)]
public sealed class PoolShardsRaceTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : PoolShardsRaceTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class PoolShardsRaceTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : PoolShardsRaceTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class PoolShardsRaceTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : PoolShardsRaceTests(app, output);
