using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// Claiming again in an immediate sale (CONTRACT.md, "Hold, then pay", last bullet): once a buyer's claim failed
/// payment and release.lua gave its units back, admit.lua admits a new claim, up to the sale's maxAttempts; every
/// other repeat is a replay of the buyer's latest claim.
/// </summary>
public abstract class ClaimAgainScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task A_buyer_whose_claim_failed_payment_gets_a_new_claim_taking_stock_like_a_first_one()
    {
        var saleId = await redis.PreloadAsync(stock: 2);
        var first = await redis.AdmitAsync(saleId, "u1");
        Assert.Equal(("replay", first.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));

        Assert.True(await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true));
        Assert.Equal(new DedupeToken(first.ClaimId, 1, Failed: true), await TokenAsync(saleId, "u1"));
        var again = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal("admitted", again.Outcome);
        Assert.NotEqual(first.ClaimId, again.ClaimId);
        Assert.Equal(1, again.Remaining);
        Assert.Equal(new DedupeToken(again.ClaimId, 2, Failed: false), await TokenAsync(saleId, "u1"));
        Assert.Equal((2L, 2L, 1L), (await redis.QueueLengthAsync(saleId), await redis.MetaAsync(saleId, "admitted"), await redis.MetaAsync(saleId, "released")));
        Assert.Equal(2, await redis.Db.HashLengthAsync(new SaleKeys(saleId).Claims));
        Assert.Equal(("replay", again.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));
    }

    [Fact]
    public async Task After_maxAttempts_claims_a_repeat_replays_the_latest_failed_one_and_takes_nothing()
    {
        var saleId = await redis.PreloadAsync(stock: 5, maxPaymentAttempts: 2);
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true);
        var second = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, second.ClaimId, paymentFailed: true);

        var third = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(("replay", second.ClaimId), Outcome(third));
        Assert.Equal(5, third.Remaining);
        Assert.Equal(new DedupeToken(second.ClaimId, 2, Failed: true), await TokenAsync(saleId, "u1"));
        Assert.Equal(2, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task One_attempt_allowed_means_no_second_claim()
    {
        var saleId = await redis.PreloadAsync(stock: 5, maxPaymentAttempts: 1);
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true);

        Assert.Equal(("replay", first.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));
    }

    [Fact]
    public async Task A_return_that_is_no_payment_failure_leaves_a_repeat_a_replay()
    {
        var saleId = await redis.PreloadAsync(stock: 5);
        var first = await redis.AdmitAsync(saleId, "u1");

        Assert.True(await redis.Pool.ReleaseAsync(saleId, first.ClaimId));

        Assert.Equal(("replay", first.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));
        Assert.Equal(new DedupeToken(first.ClaimId, 1, Failed: false), await TokenAsync(saleId, "u1"));
    }

    [Fact]
    public async Task A_hold_sale_never_lets_a_buyer_claim_again()
    {
        var saleId = await redis.PreloadAsync(stock: 5, checkout: SaleRules.HoldCheckout);
        var first = await redis.AdmitAsync(saleId, "u1");

        Assert.True(await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true));

        Assert.Equal(("replay", first.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));
        Assert.Equal(new DedupeToken(first.ClaimId, 1, Failed: false), await TokenAsync(saleId, "u1"));
    }

    [Fact]
    public async Task A_release_run_again_marks_nothing_and_never_touches_the_buyers_newer_claim()
    {
        var saleId = await redis.PreloadAsync(stock: 5);
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true);
        var second = await redis.AdmitAsync(saleId, "u1");

        Assert.False(await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true));

        Assert.Equal(new DedupeToken(second.ClaimId, 2, Failed: false), await TokenAsync(saleId, "u1"));
        Assert.Equal(("replay", second.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));
        Assert.Equal(4, await redis.RemainingAsync(saleId));
    }

    [Fact]
    public async Task A_buyer_claiming_again_is_refused_like_anyone_when_sold_out_and_may_try_later()
    {
        var saleId = await redis.PreloadAsync(stock: 1);
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true);
        Assert.Equal("admitted", (await redis.AdmitAsync(saleId, "u2")).Outcome);

        Assert.Equal("sold_out", (await redis.AdmitAsync(saleId, "u1")).Outcome);
        Assert.Equal(new DedupeToken(first.ClaimId, 1, Failed: true), await TokenAsync(saleId, "u1"));
    }

    [Fact]
    public async Task Concurrent_retries_after_a_failure_admit_exactly_one_new_claim()
    {
        var saleId = await redis.PreloadAsync(stock: 10);
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => redis.AdmitAsync(saleId, "u1")));

        var admitted = Assert.Single(results, r => r.Outcome == "admitted");
        Assert.All(results.Where(r => r.Outcome != "admitted"), r => Assert.Equal(("replay", admitted.ClaimId), Outcome(r)));
        Assert.Equal(9, await redis.RemainingAsync(saleId));
        Assert.Equal(2, await redis.QueueLengthAsync(saleId));
    }

    [Fact]
    public async Task A_pool_preloaded_before_the_rule_allows_one_claim()
    {
        var saleId = await redis.PreloadAsync(stock: 5);
        await redis.Db.HashDeleteAsync(new SaleKeys(saleId).Meta, "maxAttempts");
        var first = await redis.AdmitAsync(saleId, "u1");
        await redis.Pool.ReleaseAsync(saleId, first.ClaimId, paymentFailed: true);

        Assert.Equal(("replay", first.ClaimId), Outcome(await redis.AdmitAsync(saleId, "u1")));
    }

    private static (string, string) Outcome(AdmitResult result) => (result.Outcome, result.ClaimId);

    private async Task<DedupeToken> TokenAsync(string saleId, string userId) =>
        DedupeToken.Parse(await redis.Db.HashGetAsync(new SaleKeys(saleId).Users, userId));
}

[Collection(RedisCollection.Name)]
public sealed class ClaimAgainScriptTestsOnSingleNode(SingleNodeRedis redis) : ClaimAgainScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class ClaimAgainScriptTestsOnCluster(ClusterRedis redis) : ClaimAgainScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class ClaimAgainScriptTestsBehindSentinels(SentinelRedis redis) : ClaimAgainScriptTests(redis);
