using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>The pool's status flag, set by the admin actions, overrides the window.</summary>
public abstract class AdmitScriptPauseTests(RedisFixture redis)
{
    [Fact]
    public async Task A_paused_sale_refuses_without_taking_stock_and_admits_again_once_open()
    {
        var saleId = await redis.PreloadAsync(stock: 3);
        await redis.Pool.SetStatusAsync(saleId, SalePool.Paused);

        var paused = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(new("sale_paused", "", 3), paused);
        Assert.Equal(3, await redis.RemainingAsync(saleId));
        Assert.Equal(0, await redis.QueueLengthAsync(saleId));
        Assert.Equal(0, await redis.MetaAsync(saleId, "admitted"));

        await redis.Pool.SetStatusAsync(saleId, SalePool.Open);
        var resumed = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(("admitted", 2L), (resumed.Outcome, resumed.Remaining));
        Assert.Equal(2, await redis.RemainingAsync(saleId));
    }

    [Fact]
    public async Task A_closed_sale_answers_sale_ended_inside_its_window()
    {
        var saleId = await redis.PreloadAsync(stock: 3);
        await redis.Pool.SetStatusAsync(saleId, SalePool.Closed);

        var closed = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal(new("sale_ended", "", 3), closed);
        Assert.Equal(3, await redis.RemainingAsync(saleId));
        Assert.Equal(0, await redis.QueueLengthAsync(saleId));

        await redis.Pool.SetStatusAsync(saleId, SalePool.Open);
        Assert.Equal("admitted", (await redis.AdmitAsync(saleId, "u1")).Outcome);
    }

    [Fact]
    public async Task A_paused_sale_refuses_even_before_its_window()
    {
        var saleId = await redis.PreloadAsync(stock: 3, startsIn: TimeSpan.FromMinutes(5));
        await redis.Pool.SetStatusAsync(saleId, SalePool.Paused);

        var result = await redis.AdmitAsync(saleId, "u1");

        Assert.Equal("sale_paused", result.Outcome);
    }

    [Fact]
    public async Task Setting_the_status_of_a_sale_never_preloaded_creates_no_pool()
    {
        var saleId = redis.Track(FlashSale.Core.Ids.NewSaleId());

        await redis.Pool.SetStatusAsync(saleId, SalePool.Paused);

        Assert.False(await redis.Db.KeyExistsAsync(new SaleKeys(saleId).Meta));
        Assert.Equal("not_preloaded", (await redis.AdmitAsync(saleId, "u1")).Outcome);
    }
}

[Collection(RedisCollection.Name)]
public sealed class AdmitScriptPauseTestsOnSingleNode(SingleNodeRedis redis) : AdmitScriptPauseTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class AdmitScriptPauseTestsOnCluster(ClusterRedis redis) : AdmitScriptPauseTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class AdmitScriptPauseTestsBehindSentinels(SentinelRedis redis) : AdmitScriptPauseTests(redis);
