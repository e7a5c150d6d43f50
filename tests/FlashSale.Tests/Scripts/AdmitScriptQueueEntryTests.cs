using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>An admission leaves the claim record, the dedupe token and the worker's queue entry, all from one call.</summary>
public abstract class AdmitScriptQueueEntryTests(RedisFixture redis)
{
    [Fact]
    public async Task An_admission_writes_the_queue_entry_claim_record_and_user_token()
    {
        var saleId = await redis.PreloadAsync(stock: 10, perUserLimit: 5);
        var keys = new SaleKeys(saleId);
        var claimId = Ids.NewClaimId();
        var before = await redis.RedisNowMsAsync(saleId);

        var result = await redis.Admit.RunAsync(saleId, "buyer@example.com", 3, "pm_card_mastercard", claimId);

        Assert.Equal(new("admitted", claimId, 7), result);
        var entry = Assert.Single(await redis.Db.StreamRangeAsync(keys.Queue));
        var fields = entry.Values.ToDictionary(v => (string)v.Name!, v => (string)v.Value!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["claimId"] = claimId,
            ["userId"] = "buyer@example.com",
            ["quantity"] = "3",
            ["paymentMethodId"] = "pm_card_mastercard",
            ["admittedAt"] = fields["admittedAt"],
        }, fields);
        // What the transport reads back (Pool/QueueEntry.cs) is the claim that was admitted.
        Assert.Equal(new ClaimMessage(claimId, saleId, "buyer@example.com", 3, "pm_card_mastercard",
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(fields["admittedAt"]))), QueueEntry.Parse(saleId, entry));
        // The admission time is Redis's clock, in milliseconds.
        var admittedAt = long.Parse(fields["admittedAt"]);
        Assert.InRange(admittedAt, before, await redis.RedisNowMsAsync(saleId));
        // The pool keys the record by the id's 16 bytes and counts the time from the sale's start.
        var sinceStart = admittedAt - await redis.MetaAsync(saleId, "startsAt");
        Assert.Equal($"buyer@example.com|3|{sinceStart}|pm_card_mastercard", (string?)await redis.Db.HashGetAsync(keys.Claims, RedisClaimId.ToRedis(claimId)));
        Assert.Equal(RedisClaimId.ToRedis(claimId), await redis.Db.HashGetAsync(keys.Users, "buyer@example.com"));
        Assert.Equal(3, await redis.MetaAsync(saleId, "admitted"));
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptQueueEntryTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptQueueEntryTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptQueueEntryTestsOnCluster(ClusterRedis redis) : AdmitScriptQueueEntryTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptQueueEntryTestsBehindSentinels(SentinelRedis redis) : AdmitScriptQueueEntryTests(redis);
