using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>One claim per user per sale: a repeat gets the claim the user already holds and takes no stock.</summary>
public abstract class AdmitScriptDedupeTests(RedisFixture redis)
{
    [Fact]
    public async Task A_second_claim_of_the_same_user_replays_the_first()
    {
        var saleId = await redis.PreloadAsync(stock: 5, perUserLimit: 2);
        var keys = new SaleKeys(saleId);

        var first = await redis.AdmitAsync(saleId, "u1");
        // A different candidate claim id and quantity: the stored claim wins regardless.
        var second = await redis.Admit.RunAsync(saleId, "u1", 2, "pm_card_mastercard", Ids.NewClaimId());

        Assert.Equal("admitted", first.Outcome);
        Assert.True(Ids.IsClaimId(first.ClaimId));
        Assert.Equal(new("replay", first.ClaimId, 4), second);
        Assert.Equal(4, await redis.RemainingAsync(saleId));
        Assert.Equal(1, await redis.QueueLengthAsync(saleId));
        Assert.Equal(1, await redis.MetaAsync(saleId, "admitted"));
        Assert.Equal(1, await redis.Db.HashLengthAsync(keys.Users));
        Assert.Equal(1, await redis.Db.HashLengthAsync(keys.Claims));
    }

    [Theory]
    [InlineData(SalePool.Paused)]
    [InlineData(SalePool.Closed)]
    public async Task A_replay_is_answered_after_the_sale_is_paused_or_closed(string status)
    {
        var saleId = await redis.PreloadAsync(stock: 5);
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.SetStatusAsync(saleId, status);

        var again = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(("replay", first.ClaimId), (again.Outcome, again.ClaimId));
        Assert.Equal(1, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task A_replay_is_answered_after_the_window_ends()
    {
        var saleId = await redis.PreloadAsync(stock: 50, endsIn: TimeSpan.FromSeconds(2));
        var first = await redis.AdmitAsync(saleId, "u1");
        Assert.Equal("admitted", first.Outcome);
        // A new buyer each time: an admitted one would only be answered a replay from then on.
        await Eventually.True(async () => (await redis.AdmitAsync(saleId, $"late-{Guid.NewGuid():N}")).Outcome == "sale_ended",
            TimeSpan.FromSeconds(10), "the window ended by Redis's clock");

        var again = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(("replay", first.ClaimId), (again.Outcome, again.ClaimId));
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_user_take_one_unit_and_share_one_claim()
    {
        var saleId = await redis.PreloadAsync(stock: 10);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => redis.AdmitAsync(saleId, "u1")));

        var admitted = Assert.Single(results, r => r.Outcome == "admitted");
        Assert.Equal(49, results.Count(r => r.Outcome == "replay"));
        Assert.All(results, r => Assert.Equal(admitted.ClaimId, r.ClaimId));
        Assert.Equal(9, await redis.RemainingAsync(saleId));
        Assert.Equal(1, await redis.QueueLengthAsync(saleId));
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptDedupeTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptDedupeTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptDedupeTestsOnCluster(ClusterRedis redis) : AdmitScriptDedupeTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptDedupeTestsBehindSentinels(SentinelRedis redis) : AdmitScriptDedupeTests(redis);
