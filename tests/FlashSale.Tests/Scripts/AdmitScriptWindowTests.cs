using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// The admit script decides the window [startsAt, endsAt) by Redis's own clock (<c>TIME</c>), the same for every
/// edge whatever its own clock says. Windows are placed seconds around now: Redis runs on this machine.
/// </summary>
public abstract class AdmitScriptWindowTests(RedisFixture redis)
{
    [Theory]
    [InlineData(3_600_000, 7_200_000, "sale_not_started")]
    [InlineData(10_000, 3_600_000, "sale_not_started")]
    [InlineData(-10_000, 3_600_000, "admitted")]
    [InlineData(-1_800_000, 1_800_000, "admitted")]
    [InlineData(-3_600_000, 10_000, "admitted")]
    [InlineData(-3_600_000, -10_000, "sale_ended")]
    [InlineData(-86_400_000, -3_600_000, "sale_ended")]
    public async Task Outcome_follows_redis_clock(long startsInMs, long endsInMs, string expected)
    {
        var saleId = await redis.PreloadAsync(stock: 5,
            startsIn: TimeSpan.FromMilliseconds(startsInMs), endsIn: TimeSpan.FromMilliseconds(endsInMs));

        var result = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(expected, result.Outcome);
        var taken = expected == "admitted" ? 1 : 0;
        Assert.Equal(5 - taken, result.Remaining);
        Assert.Equal(5 - taken, await redis.RemainingAsync(saleId));
        Assert.Equal(taken, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task A_refusal_outside_the_window_returns_no_claim_and_records_no_user()
    {
        var saleId = await redis.PreloadAsync(stock: 5, startsIn: TimeSpan.FromSeconds(2));
        var ended = await redis.PreloadAsync(stock: 5, startsIn: TimeSpan.FromHours(-1), endsIn: TimeSpan.FromSeconds(-1));

        var early = await redis.AdmitAsync(saleId, "u1");
        var late = await redis.AdmitAsync(ended, "u1");

        Assert.Equal(("sale_not_started", ""), (early.Outcome, early.ClaimId));
        Assert.Equal(("sale_ended", ""), (late.Outcome, late.ClaimId));
        Assert.False(await redis.Db.KeyExistsAsync(new SaleKeys(saleId).Users));
        Assert.False(await redis.Db.KeyExistsAsync(new SaleKeys(ended).Users));
        // Refused earlier, the user can still claim once the sale is live.
        await Eventually.True(async () => (await redis.AdmitAsync(saleId, "u1")).Outcome == "admitted",
            TimeSpan.FromSeconds(10), "the sale opened by Redis's clock and admitted the user refused before");
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptWindowTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptWindowTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptWindowTestsOnCluster(ClusterRedis redis) : AdmitScriptWindowTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptWindowTestsBehindSentinels(SentinelRedis redis) : AdmitScriptWindowTests(redis);
