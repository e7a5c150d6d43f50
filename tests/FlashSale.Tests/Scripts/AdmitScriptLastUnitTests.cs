using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>Under a burst of concurrent claims, exactly the stock is admitted: never one more.</summary>
public abstract class AdmitScriptLastUnitTests(RedisFixture redis)
{
    [Fact]
    public async Task Two_hundred_users_racing_for_the_last_unit_admit_exactly_one()
    {
        var saleId = await redis.PreloadAsync(stock: 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => redis.AdmitAsync(saleId, $"user-{i}")));

        Assert.Single(results, r => r.Outcome == "admitted");
        Assert.Equal(199, results.Count(r => r.Outcome == "sold_out"));
        Assert.All(results, r => Assert.Equal(0, r.Remaining));
        Assert.Equal(0, await redis.RemainingAsync(saleId));
        Assert.Equal(1, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task A_thousand_users_racing_for_a_hundred_units_admit_exactly_a_hundred()
    {
        var saleId = await redis.PreloadAsync(stock: 100);
        var keys = new SaleKeys(saleId);

        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => redis.AdmitAsync(saleId, $"user-{i}")));

        var admitted = results.Where(r => r.Outcome == "admitted").ToList();
        Assert.Equal(100, admitted.Count);
        Assert.Equal(900, results.Count(r => r.Outcome == "sold_out"));
        Assert.Equal(100, admitted.Select(r => r.ClaimId).Distinct().Count());
        // Each admission saw its own remaining count: 99 down to 0, each once.
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), admitted.Select(r => r.Remaining).Order());
        Assert.Equal(0, await redis.RemainingAsync(saleId));
        Assert.Equal(100, await redis.QueueLengthAsync(saleId));
        Assert.Equal(100, await redis.MetaAsync(saleId, "admitted"));
        Assert.Equal(100, await redis.Db.HashLengthAsync(keys.Users));
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptLastUnitTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptLastUnitTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptLastUnitTestsOnCluster(ClusterRedis redis) : AdmitScriptLastUnitTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptLastUnitTestsBehindSentinels(SentinelRedis redis) : AdmitScriptLastUnitTests(redis);
