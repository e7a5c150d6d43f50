using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// Claims of one sale that arrive at an edge while its previous admit call is in flight go together in the next
/// call (Pool/AdmitLane.cs), and each buyer still gets exactly the answer a call of their own would have given.
/// </summary>
public abstract class AdmitBatchingTests(RedisFixture redis)
{
    [Fact]
    public async Task A_crowd_is_admitted_in_fewer_calls_than_claims_with_exact_stock_and_an_answer_each()
    {
        var admit = new AdmitScript(redis.Connection, redis.Scripts, new RecordingVerifier());
        var saleId = await redis.PreloadAsync(stock: 300);
        Assert.Equal("admitted", (await Run(admit, saleId, "first")).Outcome); // the sale's pool is known from here on
        var calls = admit.Calls;

        var results = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => Task.Run(() => Run(admit, saleId, $"buyer-{i}"))));

        Assert.True(admit.Calls - calls < results.Length, $"{admit.Calls - calls} calls for {results.Length} claims: none went together");
        var admitted = results.Where(r => r.Outcome == "admitted").ToList();
        Assert.Equal(299, admitted.Count);
        Assert.Equal(701, results.Count(r => r.Outcome == "sold_out"));
        Assert.Equal(299, admitted.Select(r => r.ClaimId).Distinct().Count());
        // Each admitted claim saw the stock as it was after the claims before it, in its own call or an earlier one.
        Assert.Equal(Enumerable.Range(0, 299).Select(n => (long)n), admitted.Select(r => r.Remaining).Order());
        Assert.Equal(0, await redis.RemainingAsync(saleId));
        Assert.Equal(300, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task A_buyer_many_times_in_the_same_calls_gets_one_claim()
    {
        var admit = new AdmitScript(redis.Connection, redis.Scripts, new RecordingVerifier());
        var saleId = await redis.PreloadAsync(stock: 10);
        await Run(admit, saleId, "first");

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => Run(admit, saleId, "again"))));

        var claim = Assert.Single(results, r => r.Outcome == "admitted").ClaimId;
        Assert.All(results, r => Assert.Equal(claim, r.ClaimId));
        Assert.Equal(199, results.Count(r => r.Outcome == "replay"));
        Assert.Equal(8, await redis.RemainingAsync(saleId));
    }

    [Fact]
    public async Task A_batch_bound_of_one_sends_every_claim_in_its_own_call()
    {
        var admit = new AdmitScript(redis.Connection, redis.Scripts, new RecordingVerifier(), maxBatch: 1);
        var saleId = await redis.PreloadAsync(stock: 100);
        await Run(admit, saleId, "first");
        var calls = admit.Calls;

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => Run(admit, saleId, $"buyer-{i}"))));

        Assert.Equal(200, admit.Calls - calls);
        Assert.Equal(99, results.Count(r => r.Outcome == "admitted"));
    }

    [Fact]
    public async Task Sales_are_batched_apart_each_with_its_own_stock()
    {
        var admit = new AdmitScript(redis.Connection, redis.Scripts, new RecordingVerifier());
        var sales = new[] { await redis.PreloadAsync(stock: 50), await redis.PreloadAsync(stock: 70) };
        foreach (var sale in sales) await Run(admit, sale, "first");

        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i =>
            Task.Run(async () => (Sale: sales[i % 2], Result: await Run(admit, sales[i % 2], $"buyer-{i}")))));

        Assert.Equal(49, results.Count(r => r.Sale == sales[0] && r.Result.Outcome == "admitted"));
        Assert.Equal(69, results.Count(r => r.Sale == sales[1] && r.Result.Outcome == "admitted"));
        foreach (var sale in sales) Assert.Equal(0, await redis.RemainingAsync(sale));
    }

    private static Task<AdmitResult> Run(AdmitScript admit, string saleId, string userId) =>
        admit.RunAsync(saleId, userId, 1, TestSales.PaymentMethod, Ids.NewClaimId());
}

[Collection(RedisCollection.Name)]
public sealed class AdmitBatchingTestsOnSingleNode(SingleNodeRedis redis) : AdmitBatchingTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitBatchingTestsOnCluster(ClusterRedis redis) : AdmitBatchingTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitBatchingTestsBehindSentinels(SentinelRedis redis) : AdmitBatchingTests(redis);
