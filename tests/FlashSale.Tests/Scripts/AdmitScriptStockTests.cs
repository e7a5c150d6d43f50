using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>Stock is taken only when all of a claim's units are left; a refusal changes nothing.</summary>
public abstract class AdmitScriptStockTests(RedisFixture redis)
{
    [Fact]
    public async Task The_claim_after_the_last_unit_is_sold_out()
    {
        var saleId = await redis.PreloadAsync(stock: 2);

        var a = await redis.AdmitAsync(saleId, "a");
        var b = await redis.AdmitAsync(saleId, "b");
        var c = await redis.AdmitAsync(saleId, "c");

        Assert.Equal(("admitted", 1L), (a.Outcome, a.Remaining));
        Assert.Equal(("admitted", 0L), (b.Outcome, b.Remaining));
        Assert.Equal(new("sold_out", "", 0), c);
        Assert.Equal(0, await redis.RemainingAsync(saleId));
        Assert.Equal(2, await redis.QueueLengthAsync(saleId));
        Assert.False(await redis.Db.HashExistsAsync(new SaleKeys(saleId).Users, "c"));
    }

    [Fact]
    public async Task A_quantity_over_the_remaining_units_is_sold_out_without_taking_the_rest()
    {
        var saleId = await redis.PreloadAsync(stock: 3, perUserLimit: 3);

        var a = await redis.AdmitAsync(saleId, "a", quantity: 2);
        var b = await redis.AdmitAsync(saleId, "b", quantity: 2);
        var remainingAfterB = await redis.RemainingAsync(saleId);
        var c = await redis.AdmitAsync(saleId, "c", quantity: 1);

        Assert.Equal(("admitted", 1L), (a.Outcome, a.Remaining));
        Assert.Equal(new("sold_out", "", 1), b);
        Assert.Equal(1, remainingAfterB);
        Assert.Equal(("admitted", 0L), (c.Outcome, c.Remaining));
        Assert.Equal(0, await redis.RemainingAsync(saleId));
        Assert.Equal(3, await redis.MetaAsync(saleId, "admitted"));
        Assert.Equal(2, await redis.QueueLengthAsync(saleId));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(100)]
    public async Task A_quantity_outside_one_to_the_per_user_limit_is_invalid_and_changes_nothing(int quantity)
    {
        var saleId = await redis.PreloadAsync(stock: 10, perUserLimit: 3);
        var keys = new SaleKeys(saleId);

        var result = await redis.AdmitAsync(saleId, "u1", quantity);

        Assert.Equal(new("invalid_quantity", "", 10), result);
        Assert.Equal(10, await redis.RemainingAsync(saleId));
        Assert.Equal(0, await redis.MetaAsync(saleId, "admitted"));
        Assert.Equal(0, await redis.QueueLengthAsync(saleId));
        Assert.False(await redis.Db.KeyExistsAsync(keys.Users));
        Assert.False(await redis.Db.KeyExistsAsync(keys.Claims));
    }

    [Fact]
    public async Task The_per_user_limit_itself_is_a_valid_quantity()
    {
        var saleId = await redis.PreloadAsync(stock: 10, perUserLimit: 3);

        var result = await redis.AdmitAsync(saleId, "u1", quantity: 3);

        Assert.Equal(("admitted", 7L), (result.Outcome, result.Remaining));
    }

    [Fact]
    public async Task A_sale_that_was_never_preloaded_is_not_preloaded_and_gets_no_keys()
    {
        var saleId = redis.Track(Ids.NewSaleId());
        var keys = new SaleKeys(saleId);

        var result = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(new("not_preloaded", "", -1), result);
        Assert.Equal(0, await redis.Db.KeyExistsAsync([keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue]));
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptStockTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptStockTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptStockTestsOnCluster(ClusterRedis redis) : AdmitScriptStockTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptStockTestsBehindSentinels(SentinelRedis redis) : AdmitScriptStockTests(redis);
