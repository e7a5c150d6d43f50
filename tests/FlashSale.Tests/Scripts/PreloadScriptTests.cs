using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>Preload creates the pool once; repeating it never hands admitted units out again.</summary>
public abstract class PreloadScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task Preload_writes_the_pool_the_admit_script_reads()
    {
        var sale = TestSales.Row(stock: 40, perUserLimit: 4);
        redis.Track(sale.SaleId);

        await redis.Pool.PreloadAsync(sale);

        var meta = (await redis.Db.HashGetAllAsync(new SaleKeys(sale.SaleId).Meta)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["startsAt"] = new DateTimeOffset(sale.StartsAt).ToUnixTimeMilliseconds().ToString(),
            ["endsAt"] = new DateTimeOffset(sale.EndsAt).ToUnixTimeMilliseconds().ToString(),
            ["perUserLimit"] = "4",
            ["stock"] = "40",
            // An immediate-checkout sale: no hold.
            ["holdMs"] = "0",
            // How many claims one buyer may make, each after the last one's payment failed.
            ["maxAttempts"] = "3",
            // No waiting room: claims need no admission token.
            ["waitingRoom"] = "0",
            // The stock in one pool (poolShards 1): this is all of it.
            ["pools"] = "1",
            ["status"] = SalePool.Open,
            ["admitted"] = "0",
            ["released"] = "0",
        }, meta);
        Assert.Equal(40, await redis.RemainingAsync(sale.SaleId));
        Assert.Equal(new PoolCounts(40, 0, 0), await redis.Pool.CountsAsync(sale.SaleId));
    }

    [Fact]
    public async Task A_second_preload_keeps_the_remaining_stock_and_status()
    {
        var sale = TestSales.Row(stock: 5);
        redis.Track(sale.SaleId);
        await redis.Pool.PreloadAsync(sale);
        Assert.Equal("admitted", (await redis.AdmitAsync(sale.SaleId, "u1")).Outcome);
        await redis.Pool.SetStatusAsync(sale.SaleId, SalePool.Paused);

        await redis.Pool.PreloadAsync(sale);

        Assert.Equal(4, await redis.RemainingAsync(sale.SaleId));
        Assert.Equal(1, await redis.MetaAsync(sale.SaleId, "admitted"));
        Assert.Equal(SalePool.Paused, (string?)await redis.Db.HashGetAsync(new SaleKeys(sale.SaleId).Meta, "status"));
        Assert.Equal(1, await redis.QueueLengthAsync(sale.SaleId));
    }

    [Fact]
    public async Task Preload_creates_the_workers_consumer_group_and_lists_the_sale_as_active()
    {
        var saleId = await redis.PreloadAsync(stock: 5);

        var groups = await redis.Db.StreamGroupInfoAsync(new SaleKeys(saleId).Queue);

        var group = Assert.Single(groups);
        Assert.Equal(new QueueOptions().ConsumerGroup, group.Name);
        Assert.Equal("flashsale-workers", group.Name);
        Assert.True(await redis.ActiveSales.ContainsAsync(saleId));
    }

    [Fact]
    public async Task A_second_preload_keeps_the_consumer_group_and_its_pending_entries()
    {
        var sale = TestSales.Row(stock: 5);
        redis.Track(sale.SaleId);
        var queue = new SaleKeys(sale.SaleId).Queue;
        await redis.Pool.PreloadAsync(sale);
        await redis.AdmitAsync(sale.SaleId, "u1");
        var delivered = await redis.Db.StreamReadGroupAsync(queue, "flashsale-workers", "test-consumer", ">", 10);

        await redis.Pool.PreloadAsync(sale);

        Assert.Single(delivered);
        var group = Assert.Single(await redis.Db.StreamGroupInfoAsync(queue));
        Assert.Equal(1, group.PendingMessageCount);
    }
}

[Collection(RedisCollection.Name)]
public sealed class PreloadScriptTestsOnSingleNode(SingleNodeRedis redis) : PreloadScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class PreloadScriptTestsOnCluster(ClusterRedis redis) : PreloadScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class PreloadScriptTestsBehindSentinels(SentinelRedis redis) : PreloadScriptTests(redis);
