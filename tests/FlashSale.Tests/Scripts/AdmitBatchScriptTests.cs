using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// lua/admit.lua given several claims in one call: each is decided as if it ran alone after the ones before it, and
/// only the admitted ones write anything.
/// </summary>
public abstract class AdmitBatchScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task One_call_decides_its_claims_in_order_as_if_each_ran_alone()
    {
        var saleId = await redis.PreloadAsync(stock: 2);
        string[] ids = [Ids.NewClaimId(), Ids.NewClaimId(), Ids.NewClaimId(), Ids.NewClaimId()];

        var answers = await RunAsync(saleId, ("u1", 1, "pm_card_visa", ids[0]), ("u2", 1, "pm_card_visa", ids[1]),
            ("u1", 1, "pm_card_visa", ids[2]), ("u3", 1, "pm_card_visa", ids[3]));

        Assert.Equal(new[] { ("admitted", 1L), ("admitted", 0L), ("replay", 0L), ("sold_out", 0L) },
            answers.Select(a => (a.Outcome, a.Remaining)));
        // The repeat in the same call names the first claim, not the id it was sent with.
        Assert.Equal(RedisClaimId.ToRedis(ids[0]), answers[2].Key);
        Assert.Equal(0, await redis.RemainingAsync(saleId));
        Assert.Equal(2, await redis.MetaAsync(saleId, "admitted"));
        var queue = await redis.Db.StreamRangeAsync(new SaleKeys(saleId).Queue);
        Assert.Equal(new[] { (ids[0], "u1"), (ids[1], "u2") }, (await QueueEntry.ReadAsync(redis.Db, new SaleKeys(saleId), queue)).Select(m => (m!.ClaimId, m.UserId)));
        Assert.Equal(2, await redis.Db.HashLengthAsync(new SaleKeys(saleId).Claims));
    }

    [Fact]
    public async Task Refusals_in_a_call_take_nothing_and_the_claims_around_them_are_admitted()
    {
        var saleId = await redis.PreloadAsync(stock: 5, perUserLimit: 3);

        var answers = await RunAsync(saleId, ("u1", 3, "pm_card_visa", Ids.NewClaimId()), ("u2", 1, "", Ids.NewClaimId()),
            ("u3", 4, "pm_card_visa", Ids.NewClaimId()), ("u4", 3, "pm_card_visa", Ids.NewClaimId()), ("u5", 2, "pm_card_visa", Ids.NewClaimId()));

        Assert.Equal(new[] { ("admitted", 2L), ("payment_method_required", -1L), ("invalid_quantity", 2L), ("sold_out", 2L), ("admitted", 0L) },
            answers.Select(a => (a.Outcome, a.Remaining)));
        Assert.Equal(5, await redis.MetaAsync(saleId, "admitted"));
        Assert.Equal(2, await redis.QueueLengthAsync(saleId));
        Assert.Equal(2, await redis.Db.HashLengthAsync(new SaleKeys(saleId).Users));
    }

    [Fact]
    public async Task A_call_to_a_sale_without_a_pool_answers_each_claim_not_preloaded()
    {
        var saleId = redis.Track(Ids.NewSaleId());

        var answers = await RunAsync(saleId, ("u1", 1, "pm_card_visa", Ids.NewClaimId()), ("u2", 1, "pm_card_visa", Ids.NewClaimId()));

        Assert.Equal(new[] { "not_preloaded", "not_preloaded" }, answers.Select(a => a.Outcome));
        Assert.False(await redis.Db.KeyExistsAsync(new SaleKeys(saleId).Queue));
    }

    [Fact]
    public async Task A_hold_sale_answers_each_admitted_claim_with_its_hold_expiry()
    {
        var saleId = await redis.PreloadAsync(stock: 3, checkout: SaleRules.HoldCheckout);
        var before = await redis.RedisNowMsAsync(saleId);

        var answers = await RunAsync(saleId, ("u1", 1, "", Ids.NewClaimId()), ("u1", 1, "", Ids.NewClaimId()), ("u2", 1, "", Ids.NewClaimId()));

        Assert.Equal(new[] { "admitted", "replay", "admitted" }, answers.Select(a => a.Outcome));
        Assert.All(new[] { answers[0], answers[2] }, a => Assert.InRange(a.HoldExpiresAtMs, before, before + 3_600_000));
        Assert.Equal(0, answers[1].HoldExpiresAtMs);
    }

    private async Task<IReadOnlyList<(string Outcome, byte[] Key, long Remaining, long HoldExpiresAtMs)>> RunAsync(
        string saleId, params (string User, int Quantity, string PaymentMethod, string ClaimId)[] claims)
    {
        var keys = new SaleKeys(saleId);
        var args = claims.SelectMany(c => new RedisValue[] { c.User, c.Quantity, c.PaymentMethod, RedisClaimId.ToRedis(c.ClaimId), "" }).ToArray();
        var result = (RedisResult[])(await redis.Scripts.Admit.EvaluateCachedAsync(redis.Db,
            [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue, keys.Tickets, keys.Room], args))!;
        Assert.Equal(claims.Length, result.Length);
        return result.Select(r => (RedisResult[])r!).Select(p => ((string)p[0]!, (byte[])p[1]!, (long)p[2],
            p.Length > 3 ? (long)p[3] : 0L)).ToList();
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitBatchScriptTestsOnSingleNode(SingleNodeRedis redis) : AdmitBatchScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitBatchScriptTestsOnCluster(ClusterRedis redis) : AdmitBatchScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitBatchScriptTestsBehindSentinels(SentinelRedis redis) : AdmitBatchScriptTests(redis);
