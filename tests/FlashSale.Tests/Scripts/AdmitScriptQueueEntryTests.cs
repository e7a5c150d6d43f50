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
        // One field: the claim key's 16 bytes alone; the rest is the claim's record, written in the same script.
        var field = Assert.Single(entry.Values);
        Assert.Equal(QueueEntry.Field, (string?)field.Name);
        Assert.Equal((byte[])RedisClaimId.ToRedis(claimId)!, (byte[])field.Value!);
        // What the transport reads back (Pool/QueueEntry.cs, with the records of the batch) is the claim that was admitted.
        var message = (await QueueEntry.ReadAsync(redis.Db, keys, [entry]))[0]!;
        Assert.Equal((claimId, saleId, "buyer@example.com", 3, "pm_card_mastercard"),
            (message.ClaimId, message.SaleId, message.UserId, message.Quantity, message.PaymentMethodId));
        var admittedAt = message.AdmittedAt.ToUnixTimeMilliseconds();
        // Without its record a key-only entry is not a claim the worker can read (it is dead-lettered, named by its key).
        Assert.Null(QueueEntry.Parse(saleId, entry));
        // The admission time is Redis's clock, in milliseconds.
        Assert.InRange(admittedAt, before, await redis.RedisNowMsAsync(saleId));
        // The pool keys the record by the id's 16 bytes and counts the time from the sale's start.
        var sinceStart = admittedAt - await redis.MetaAsync(saleId, "startsAt");
        Assert.Equal($"buyer@example.com|3|{sinceStart}|pm_card_mastercard", (string?)await redis.Db.HashGetAsync(keys.Claims, RedisClaimId.ToRedis(claimId)));
        Assert.Equal(RedisClaimId.ToRedis(claimId), await redis.Db.HashGetAsync(keys.Users, "buyer@example.com"));
        Assert.Equal(3, await redis.MetaAsync(saleId, "admitted"));
    }

    [Fact]
    public async Task An_entry_of_the_five_named_fields_written_before_is_still_read()
    {
        var saleId = redis.Track(Ids.NewSaleId());
        var claimId = Ids.NewClaimId();
        var id = await redis.Db.StreamAddAsync(new SaleKeys(saleId).Queue,
            [new("claimId", claimId), new("userId", "old@example.com"), new("quantity", 2), new("paymentMethodId", "pm_card_visa"), new("admittedAt", 1_700_000_000_123)]);

        var entry = Assert.Single(await redis.Db.StreamRangeAsync(new SaleKeys(saleId).Queue, id, id));

        Assert.Equal(new ClaimMessage(claimId, saleId, "old@example.com", 2, "pm_card_visa", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123)),
            QueueEntry.Parse(saleId, entry));
    }

    [Fact]
    public async Task A_hold_claims_entry_without_a_payment_method_reads_back_with_none()
    {
        var saleId = redis.Track(Ids.NewSaleId());
        var claim = new ClaimMessage(Ids.NewClaimId(), saleId, "holder:1", 1, "", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var id = await redis.Db.StreamAddAsync(new SaleKeys(saleId).Queue, QueueEntry.Fields(claim));

        Assert.Equal(claim, QueueEntry.Parse(saleId, Assert.Single(await redis.Db.StreamRangeAsync(new SaleKeys(saleId).Queue, id, id))));
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptQueueEntryTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptQueueEntryTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptQueueEntryTestsOnCluster(ClusterRedis redis) : AdmitScriptQueueEntryTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptQueueEntryTestsBehindSentinels(SentinelRedis redis) : AdmitScriptQueueEntryTests(redis);
