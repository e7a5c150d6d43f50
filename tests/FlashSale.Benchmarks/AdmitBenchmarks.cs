using BenchmarkDotNet.Attributes;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Benchmarks;

/// <summary>
/// The admit call path (AdmitScript: EVALSHA of admit.lua) against the real local Redis: a new buyer
/// (the full path: DECRBY, claim record, XADD), a repeat buyer, a sold-out sale, and 64 claims in flight at
/// once on the shared multiplexer, as under a crowd, with each claim in its own call (Batch 1) and with the
/// claims that arrive while a call is in flight sent together (Batch 128, the default).
/// </summary>
public class AdmitBenchmarks
{
    [Params(1, AdmitScript.DefaultBatch)]
    public int Batch { get; set; }

    private ConnectionMultiplexer _redis = null!;
    private AdmitScript _admit = null!;
    private readonly string _open = Ids.NewSaleId();
    private readonly string _soldOut = Ids.NewSaleId();
    private long _buyer;

    [GlobalSetup]
    public async Task SetUp()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(Servers.Redis);
        var scripts = new RedisScripts();
        await OwnPools.LoadScriptsAsync(_redis, scripts);
        _admit = new AdmitScript(_redis, scripts, new OwnPools(), Batch);
        await PreloadAsync(scripts, _open, 10_000_000);
        await PreloadAsync(scripts, _soldOut, 1);
        await Admit(_soldOut, "the-only-buyer");
        await Admit(_open, "repeat-buyer");
    }

    // Not in fs:active-sales: no worker anywhere drains these queues; GlobalCleanup deletes them.
    private async Task PreloadAsync(RedisScripts scripts, string saleId, int stock)
    {
        var keys = new SaleKeys(saleId);
        var now = DateTimeOffset.UtcNow;
        await scripts.Preload.EvaluateAsync(_redis.GetDatabase(), [keys.Meta, keys.Remaining, keys.Queue],
            [now.AddMinutes(-1).ToUnixTimeMilliseconds(), now.AddHours(3).ToUnixTimeMilliseconds(), 1, stock, "flashsale-workers"]);
    }

    private Task<AdmitResult> Admit(string saleId, string user) =>
        _admit.RunAsync(saleId, user, 1, "pm_card_visa", Ids.NewClaimId());

    [Benchmark(Baseline = true)]
    public Task<AdmitResult> Admit_new_buyer() => Admit(_open, "b-" + Interlocked.Increment(ref _buyer));

    [Benchmark]
    public Task<AdmitResult> Admit_repeat_buyer() => Admit(_open, "repeat-buyer");

    [Benchmark]
    public Task<AdmitResult> Admit_sold_out() => Admit(_soldOut, "b-" + Interlocked.Increment(ref _buyer));

    [Benchmark(OperationsPerInvoke = 64)]
    public Task Admit_new_buyers_64_in_flight() =>
        Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Admit(_open, "b-" + Interlocked.Increment(ref _buyer))));

    [GlobalCleanup]
    public async Task CleanUp()
    {
        var db = _redis.GetDatabase();
        foreach (var sale in new[] { _open, _soldOut })
        {
            var k = new SaleKeys(sale);
            await db.KeyDeleteAsync([k.Meta, k.Remaining, k.Users, k.Claims, k.Queue]);
        }
        await _redis.DisposeAsync();
    }
}
