using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>A claim's units go back to the sale exactly once, however often the release is repeated.</summary>
public abstract class ReleaseScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task Releasing_a_claim_twice_gives_its_units_back_once()
    {
        var saleId = await redis.PreloadAsync(stock: 5, perUserLimit: 2);
        var claim = await redis.AdmitAsync(saleId, "u1", quantity: 2);
        Assert.Equal(("admitted", 3L), (claim.Outcome, claim.Remaining));

        var first = await redis.Pool.ReleaseAsync(saleId, claim.ClaimId);
        var second = await redis.Pool.ReleaseAsync(saleId, claim.ClaimId);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(5, await redis.RemainingAsync(saleId));
        Assert.Equal(2, await redis.MetaAsync(saleId, "released"));
        Assert.Equal(new PoolCounts(5, 2, 2), await redis.Pool.CountsAsync(saleId));
        Assert.True(await redis.Db.SetContainsAsync(new SaleKeys(saleId).Released, RedisClaimId.ToRedis(claim.ClaimId)));
    }

    [Fact]
    public async Task Concurrent_releases_of_one_claim_give_its_units_back_once()
    {
        var saleId = await redis.PreloadAsync(stock: 5, perUserLimit: 2);
        var claim = await redis.AdmitAsync(saleId, "u1", quantity: 2);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => redis.Pool.ReleaseAsync(saleId, claim.ClaimId)));

        Assert.Single(results, released => released);
        Assert.Equal(5, await redis.RemainingAsync(saleId));
        Assert.Equal(2, await redis.MetaAsync(saleId, "released"));
    }

    [Fact]
    public async Task Released_units_can_be_admitted_to_another_user()
    {
        var saleId = await redis.PreloadAsync(stock: 1);
        var claim = await redis.AdmitAsync(saleId, "u1");
        Assert.Equal("sold_out", (await redis.AdmitAsync(saleId, "u2")).Outcome);

        await redis.Pool.ReleaseAsync(saleId, claim.ClaimId);
        var u2 = await redis.AdmitAsync(saleId, "u2");

        Assert.Equal(("admitted", 0L), (u2.Outcome, u2.Remaining));
        Assert.Equal(new PoolCounts(0, 2, 1), await redis.Pool.CountsAsync(saleId));
    }

    [Fact]
    public async Task Releasing_a_claim_the_pool_never_admitted_gives_nothing_back()
    {
        var saleId = await redis.PreloadAsync(stock: 2);
        await redis.AdmitAsync(saleId, "u1");

        Assert.False(await redis.Pool.ReleaseAsync(saleId, FlashSale.Core.Ids.NewClaimId()));
        Assert.Equal(1, await redis.RemainingAsync(saleId));
        Assert.Equal(0, await redis.MetaAsync(saleId, "released"));
    }
}

[Collection(RedisCollection.Name)]
public sealed class ReleaseScriptTestsOnSingleNode(SingleNodeRedis redis) : ReleaseScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class ReleaseScriptTestsOnCluster(ClusterRedis redis) : ReleaseScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class ReleaseScriptTestsBehindSentinels(SentinelRedis redis) : ReleaseScriptTests(redis);
