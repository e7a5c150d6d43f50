using BenchmarkDotNet.Attributes;
using FlashSale.Core;
using FlashSale.Service.Pool;
using StackExchange.Redis;

namespace FlashSale.Benchmarks;

/// <summary>
/// The edge's cost of admitting into a sale of several pools (poolShards): the buyer's home pool picked, the claim id
/// made to name it, one lane per pool. Against one local Redis, so what differs is only the edge's work and the
/// batches being split over more lanes; the Redis side over several masters is load/measure-pool-shards.sh.
/// </summary>
public class PoolShardsBenchmarks
{
    [Params(1, 3, 8)]
    public int Pools { get; set; }

    private ConnectionMultiplexer _redis = null!;
    private AdmitScript _admit = null!;
    private readonly string _sale = Ids.NewSaleId();
    private long _buyer;

    [GlobalSetup]
    public async Task SetUp()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(Servers.Redis);
        var scripts = new RedisScripts();
        await OwnPools.LoadScriptsAsync(_redis, scripts);
        _admit = new AdmitScript(_redis, scripts, new OwnPools());
        var pools = new SalePools(_sale, Pools);
        var now = DateTimeOffset.UtcNow;
        // Not in fs:active-sales: no worker anywhere drains these queues; GlobalCleanup deletes them.
        for (var i = 0; i < Pools; i++)
        {
            var keys = pools[i];
            await scripts.Preload.EvaluateAsync(_redis.GetDatabase(), [keys.Meta, keys.Remaining, keys.Queue],
                [now.AddMinutes(-1).ToUnixTimeMilliseconds(), now.AddHours(3).ToUnixTimeMilliseconds(), 1, pools.ShareOf(30_000_000, i), "flashsale-workers",
                 0, 1, 0, Pools]);
        }
    }

    private Task<AdmitResult> Admit() => _admit.RunAsync(_sale, "b-" + Interlocked.Increment(ref _buyer), 1, "pm_card_visa", Ids.NewClaimId());

    [Benchmark]
    public Task<AdmitResult> Admit_new_buyer() => Admit();

    [Benchmark(OperationsPerInvoke = 64)]
    public Task Admit_new_buyers_64_in_flight() => Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Admit()));

    [GlobalCleanup]
    public async Task CleanUp()
    {
        var db = _redis.GetDatabase();
        foreach (var k in new SalePools(_sale, Pools).All) await db.KeyDeleteAsync([k.Meta, k.Remaining, k.Users, k.Claims, k.Queue]);
        await _redis.DisposeAsync();
    }
}
