using System.Diagnostics;
using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>
/// Redis restarted mid-sale (AOF on): the service reconnects, checks the restarted server's pools against PostgreSQL
/// before it admits there again (its script cache came back empty), and the invariants hold.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class RedisRestartedMidSaleTests(FaultStores stores, ITestOutputHelper output)
{
    [Fact]
    public async Task Claims_before_and_after_a_redis_restart_are_all_kept_and_settled()
    {
        using var edge = await FaultProcesses.StartAsync("edge", stores);
        using var worker = await FaultProcesses.StartAsync("worker", stores);
        var storefront = edge.Client(ServiceFixture.StorefrontKey);
        var sale = await edge.Client(ServiceFixture.AdminKey).LiveSaleAsync(stock: 300);
        var before = new Crowd();
        await before.ClaimAsync(storefront, sale.SaleId, Crowd.Users("r", 0, 100));
        Assert.Equal(100, before.Count(HttpStatusCode.Accepted));

        await stores.StopAsync("redis");
        var refused = await storefront.ClaimAsync(sale.SaleId, "r-while-down");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        await stores.StartAsync("redis");
        var clock = Stopwatch.StartNew();
        await Eventually.True(async () => (await storefront.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "the edge is ready again");
        var reconnected = clock.Elapsed;
        // A buyer's replay is the probe that takes no stock: 503 while the pools are checked, then 200. (A buyer the
        // crowd below does not replay: polling spends that buyer's rate limit.)
        await Eventually.True(async () => (await storefront.ClaimAsync(sale.SaleId, "r-50")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the restarted server's pools are checked and it admits again");
        var admitting = clock.Elapsed;

        var after = new Crowd();
        await after.ClaimAsync(storefront, sale.SaleId, Crowd.Users("r", 100, 100).Concat(Crowd.Users("r", 0, 10)));
        Assert.Equal(100, after.Count(HttpStatusCode.Accepted));
        Assert.Equal(10, after.Count(HttpStatusCode.OK)); // the AOF kept the dedupe tokens: replays, not new claims

        var ledger = await Settlement.SettleAndAuditAsync(stores, sale.SaleId, TimeSpan.FromSeconds(120));
        output.WriteLine($"Redis restart: ready again {reconnected.TotalSeconds:0.0} s after start, admitting again {admitting.TotalSeconds:0.0} s after start, " +
                         $"admitted 200, paid {ledger.PaidUnits}, remaining {ledger.RedisRemaining}");
        Assert.Equal(200, ledger.PaidUnits);
        Assert.Equal(100, ledger.RedisRemaining);
    }
}
