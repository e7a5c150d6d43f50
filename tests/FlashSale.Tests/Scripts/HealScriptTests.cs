using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// heal.lua rebuilds what a pool lost from what PostgreSQL recorded (Pool/PoolHealer.cs passes it): a buyer with
/// several claims (claiming again after failed payments) gets back the token of their latest claim with their count
/// of claims, and the failed mark once that claim's units are back, so the rule goes on as if nothing was lost.
/// </summary>
public abstract class HealScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task A_lost_pool_is_rebuilt_with_each_buyers_latest_claim_and_count()
    {
        var saleId = await redis.PreloadAsync(stock: 5);
        var (c1, c2, c3) = (Ids.NewClaimId(), Ids.NewClaimId(), Ids.NewClaimId());
        RedisValue[] args =
        [
            .. await ClaimAsync(saleId, c1, "u1", returned: "f", token: RedisValue.EmptyString),
            .. await ClaimAsync(saleId, c2, "u1", returned: "f", token: DedupeToken.For(c2, 2)),
            .. await ClaimAsync(saleId, c3, "u2", returned: "0", token: DedupeToken.For(c3, 1)),
        ];

        Assert.Equal(new[] { 3, 3 }, await HealAsync(saleId, args));
        Assert.Equal(new[] { 0, 0 }, await HealAsync(saleId, args));

        Assert.Equal(4, await redis.RemainingAsync(saleId));
        Assert.Equal((3L, 2L), (await redis.MetaAsync(saleId, "admitted"), await redis.MetaAsync(saleId, "released")));
        Assert.Equal(new DedupeToken(c2, 2, Failed: true), await TokenAsync(saleId, "u1"));
        Assert.Equal(new DedupeToken(c3, 1, Failed: false), await TokenAsync(saleId, "u2"));
        var third = await redis.AdmitAsync(saleId, "u1");
        Assert.Equal("admitted", third.Outcome);
        Assert.Equal(new DedupeToken(third.ClaimId, 3, Failed: false), await TokenAsync(saleId, "u1"));
        Assert.Equal(("replay", c3), ((await redis.AdmitAsync(saleId, "u2")).Outcome, (await redis.AdmitAsync(saleId, "u2")).ClaimId));
    }

    [Fact]
    public async Task A_failed_claim_whose_return_never_reached_redis_gets_its_units_back_and_its_buyer_may_claim_again()
    {
        var saleId = await redis.PreloadAsync(stock: 1);
        var first = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(new[] { 0, 0 }, await HealAsync(saleId, await ClaimAsync(saleId, first.ClaimId, "u1", returned: "f", token: DedupeToken.For(first.ClaimId, 1))));

        Assert.Equal(1, await redis.RemainingAsync(saleId));
        Assert.Equal(new DedupeToken(first.ClaimId, 1, Failed: true), await TokenAsync(saleId, "u1"));
        Assert.False(await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true));
        Assert.Equal("admitted", (await redis.AdmitAsync(saleId, "u1")).Outcome);
    }

    private async Task<RedisValue[]> ClaimAsync(string saleId, string claimId, string userId, string returned, RedisValue token)
    {
        var startsAt = await redis.MetaAsync(saleId, "startsAt");
        var record = new PoolClaim(claimId, userId, 1, DateTimeOffset.FromUnixTimeMilliseconds(startsAt + 1000), TestSales.PaymentMethod).ToRecord(startsAt);
        return [RedisClaimId.ToRedis(claimId), userId, 1, record, returned, token];
    }

    private async Task<int[]> HealAsync(string saleId, RedisValue[] args)
    {
        var keys = new SaleKeys(saleId);
        var result = (RedisResult[])(await redis.Scripts.Heal.EvaluateAsync(redis.Db, [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Released], args))!;
        return result.Select(r => (int)r).ToArray();
    }

    private async Task<DedupeToken> TokenAsync(string saleId, string userId) =>
        DedupeToken.Parse(await redis.Db.HashGetAsync(new SaleKeys(saleId).Users, userId));
}

[Collection(RedisCollection.Name)]
public sealed class HealScriptTestsOnSingleNode(SingleNodeRedis redis) : HealScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class HealScriptTestsOnCluster(ClusterRedis redis) : HealScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class HealScriptTestsBehindSentinels(SentinelRedis redis) : HealScriptTests(redis);
