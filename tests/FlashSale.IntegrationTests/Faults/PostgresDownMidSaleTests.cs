using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>PostgreSQL stopped for 10 s mid-sale: admits go on from Redis, the worker waits, nothing is lost.</summary>
public abstract class PostgresDownMidSaleTests(FaultStores stores, ITestOutputHelper output, FaultRedis redis)
{
    [Fact]
    public async Task Admits_continue_while_postgres_is_down_and_everything_settles_after_it_returns()
    {
        using var edge = await FaultProcesses.StartAsync("edge", stores, redis.Settings(stores));
        using var worker = await FaultProcesses.StartAsync("worker", stores, redis.Settings(stores));
        var storefront = edge.Client(ServiceFixture.StorefrontKey);
        var sale = await edge.Client(ServiceFixture.AdminKey).LiveSaleAsync(stock: 300);
        var before = new Crowd();
        await before.ClaimAsync(storefront, sale.SaleId, Crowd.Users("p", 0, 100));
        Assert.Equal(100, before.Count(HttpStatusCode.Accepted));

        await stores.StopAsync("postgres");
        var down = Stopwatch.StartNew();
        try
        {
            var ready = await storefront.Http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using (var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()))
                Assert.Contains("postgres", json.RootElement.GetProperty("down").EnumerateArray().Select(e => e.GetString()));

            var during = new Crowd();
            await during.ClaimAsync(storefront, sale.SaleId, Crowd.Users("p", 100, 100));
            output.WriteLine($"while PostgreSQL was down: {during.Count(HttpStatusCode.Accepted)} of 100 claims admitted from Redis");
            Assert.Equal(100, during.Count(HttpStatusCode.Accepted));
            var rest = TimeSpan.FromSeconds(10) - down.Elapsed;
            if (rest > TimeSpan.Zero) await Task.Delay(rest); // the outage itself lasts 10 s; nothing is awaited here
        }
        finally
        {
            await stores.StartAsync("postgres");
        }
        var clock = Stopwatch.StartNew();

        var ledger = await Settlement.SettleAndAuditAsync(stores, sale.SaleId, TimeSpan.FromSeconds(120), redis: await redis.ConnectAsync(stores));
        output.WriteLine($"PostgreSQL down {down.Elapsed.TotalSeconds:0.0} s: admitted 200, paid {ledger.PaidUnits}, settled {clock.Elapsed.TotalSeconds:0.0} s after it returned");
        Assert.Equal(200, ledger.PaidUnits);
        Assert.Equal(100, ledger.RedisRemaining);
        Assert.Equal(HttpStatusCode.OK, (await storefront.Http.GetAsync("/readyz")).StatusCode);
    }
}

[Collection(FaultCollection.Name)]
public sealed class PostgresDownMidSaleTestsOnSingleNode(FaultStores stores, ITestOutputHelper output)
    : PostgresDownMidSaleTests(stores, output, FaultRedis.SingleNode);

[Collection(FaultCollection.Name)]
public sealed class PostgresDownMidSaleTestsOnCluster(FaultStores stores, ITestOutputHelper output)
    : PostgresDownMidSaleTests(stores, output, FaultRedis.Cluster);
