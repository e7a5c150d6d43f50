using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>The admit script decides the window from the caller's clock: [startsAt, endsAt).</summary>
public abstract class AdmitScriptWindowTests(RedisFixture redis)
{
    [Theory]
    [InlineData(-3_600_000, "sale_not_started")]
    [InlineData(-1, "sale_not_started")]
    [InlineData(0, "admitted")]
    [InlineData(1_800_000, "admitted")]
    [InlineData(3_599_999, "admitted")]
    [InlineData(3_600_000, "sale_ended")]
    [InlineData(86_400_000, "sale_ended")]
    public async Task Outcome_follows_the_callers_clock(long msFromStart, string expected)
    {
        var saleId = await redis.PreloadAsync(stock: 5);
        var now = new DateTimeOffset(TestSales.StartsAt).AddMilliseconds(msFromStart);

        var result = await redis.AdmitAsync(saleId, "u1", now: now);

        Assert.Equal(expected, result.Outcome);
        var taken = expected == "admitted" ? 1 : 0;
        Assert.Equal(5 - taken, result.Remaining);
        Assert.Equal(5 - taken, await redis.RemainingAsync(saleId));
        Assert.Equal(taken, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task A_refusal_outside_the_window_returns_no_claim_and_records_no_user()
    {
        var saleId = await redis.PreloadAsync(stock: 5);

        var early = await redis.AdmitAsync(saleId, "u1", now: new DateTimeOffset(TestSales.StartsAt).AddSeconds(-1));
        var late = await redis.AdmitAsync(saleId, "u1", now: new DateTimeOffset(TestSales.EndsAt));

        Assert.Equal(("sale_not_started", ""), (early.Outcome, early.ClaimId));
        Assert.Equal(("sale_ended", ""), (late.Outcome, late.ClaimId));
        Assert.False(await redis.Db.KeyExistsAsync(new SaleKeys(saleId).Users));
        // Refused earlier, the user can still claim once the sale is live.
        Assert.Equal("admitted", (await redis.AdmitAsync(saleId, "u1")).Outcome);
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptWindowTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptWindowTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptWindowTestsOnCluster(ClusterRedis redis) : AdmitScriptWindowTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptWindowTestsBehindSentinels(SentinelRedis redis) : AdmitScriptWindowTests(redis);
