using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// The pool stores a claim id as its 16 bytes and the admission time relative to the sale's start (to keep
/// Redis memory per claim small), while every caller still sees the public "clm_" + 32 hex id.
/// </summary>
public abstract class ClaimStoredFormTests(RedisFixture redis)
{
    [Fact]
    public async Task The_pool_keeps_the_claim_id_as_16_bytes_and_a_replay_answers_the_public_id()
    {
        var saleId = await redis.PreloadAsync(stock: 5, perUserLimit: 2);
        var keys = new SaleKeys(saleId);
        var claimId = Ids.NewClaimId();

        var admitted = await redis.Admit.RunAsync(saleId, "u-stored", 2, "pm_card_visa", claimId);
        var replay = await redis.Admit.RunAsync(saleId, "u-stored", 1, "pm_card_visa", Ids.NewClaimId());
        var now = (await QueueEntry.ReadAsync(redis.Db, keys, [Assert.Single(await redis.Db.StreamRangeAsync(keys.Queue))]))[0]!.AdmittedAt;
        var sinceStart = now.ToUnixTimeMilliseconds() - await redis.MetaAsync(saleId, "startsAt");

        Assert.Equal(("admitted", claimId), (admitted.Outcome, admitted.ClaimId));
        Assert.Equal(("replay", claimId), (replay.Outcome, replay.ClaimId));
        var idBytes = Convert.FromHexString(claimId["clm_".Length..]);
        var record = Assert.Single(await redis.Db.HashGetAllAsync(keys.Claims));
        Assert.Equal(idBytes, (byte[]?)record.Name);
        Assert.Equal($"u-stored|2|{sinceStart}|pm_card_visa", (string?)record.Value);
        Assert.Equal(idBytes, (byte[]?)await redis.Db.HashGetAsync(keys.Users, "u-stored"));

        var startsAtMs = await redis.MetaAsync(saleId, "startsAt");
        Assert.Equal(new PoolClaim(claimId, "u-stored", 2, now, "pm_card_visa"), PoolClaim.Parse(record.Name, record.Value!, startsAtMs));
    }

    [Fact]
    public async Task A_claim_is_released_by_its_public_id()
    {
        var saleId = await redis.PreloadAsync(stock: 1);
        var claim = await redis.AdmitAsync(saleId, "u-release");

        Assert.True(await redis.Pool.ReleaseAsync(saleId, claim.ClaimId));

        var member = Assert.Single(await redis.Db.SetMembersAsync(new SaleKeys(saleId).Released));
        Assert.Equal(16, ((byte[]?)member)!.Length);
        Assert.Equal(1, await redis.RemainingAsync(saleId));
    }

    [Fact]
    public void The_stored_form_round_trips_and_refuses_what_is_not_a_claim_id()
    {
        var claimId = Ids.NewClaimId();

        Assert.Equal(claimId, RedisClaimId.FromRedis(RedisClaimId.ToRedis(claimId)));
        Assert.Throws<ArgumentException>(() => RedisClaimId.ToRedis("clm_0123456789ABCDEF0123456789ABCDEF"));
        Assert.Throws<ArgumentException>(() => RedisClaimId.ToRedis("sale_0123456789abcdef0123456789abcdef"));
        // A pool written before the change holds the 36-character text id: refused, never misread.
        Assert.Throws<FormatException>(() => RedisClaimId.FromRedis(claimId));
    }
}

[Collection(RedisCollection.Name)]
public sealed class ClaimStoredFormTestsOnSingleNode(SingleNodeRedis redis) : ClaimStoredFormTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class ClaimStoredFormTestsOnCluster(ClusterRedis redis) : ClaimStoredFormTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class ClaimStoredFormTestsBehindSentinels(SentinelRedis redis) : ClaimStoredFormTests(redis);
