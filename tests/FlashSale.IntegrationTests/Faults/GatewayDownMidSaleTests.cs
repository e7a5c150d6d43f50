using System.Diagnostics;
using System.Net;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>The payment gateway down for 20 s mid-sale: the breaker opens, no stock is released, all are charged once it returns.</summary>
public abstract class GatewayDownMidSaleTests(FaultStores stores, ITestOutputHelper output, FaultRedis redis)
{
    [Fact]
    public async Task Claims_wait_while_the_gateway_is_down_and_are_each_charged_once_after_it_returns()
    {
        using var stripe = new FakeStripe();
        var settings = redis.Settings(stores, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Provider"] = "stripe",
            ["FlashSale:Payments:Stripe:ApiKey"] = FakeStripe.ApiKey,
            ["FlashSale:Payments:Stripe:ApiBase"] = stripe.Url,
            ["FlashSale:Payments:Resilience:AttemptTimeout"] = "00:00:02",
            ["FlashSale:Payments:Resilience:MaxRetries"] = "1",
            ["FlashSale:Payments:Resilience:RetryBaseDelay"] = "00:00:00.050",
            ["FlashSale:Payments:Resilience:RetryMaxDelay"] = "00:00:00.200",
            ["FlashSale:Payments:Resilience:BreakerMinimumThroughput"] = "5",
            ["FlashSale:Payments:Resilience:BreakerSamplingDuration"] = "00:00:02",
            ["FlashSale:Payments:Resilience:BreakerBreakDuration"] = "00:00:01",
            ["FlashSale:Payments:Pending:Interval"] = "00:00:00.200",
            ["FlashSale:Payments:Pending:RecheckAfter"] = "00:00:00.500",
        });
        using var edge = await FaultProcesses.StartAsync("edge", stores, redis.Settings(stores));
        using var worker = await FaultProcesses.StartAsync("worker", stores, settings);
        var storefront = edge.Client(ServiceFixture.StorefrontKey);
        var sale = await edge.Client(ServiceFixture.AdminKey).LiveSaleAsync(stock: 100);

        var before = new Crowd();
        await before.ClaimAsync(storefront, sale.SaleId, Crowd.Users("g", 0, 50));
        await Eventually.True(async () => await Settlement.PaidAsync(stores, sale.SaleId) == 50, TimeSpan.FromSeconds(60), "the first 50 are paid");

        stripe.Outage = true;
        var outage = Stopwatch.StartNew();
        var during = new Crowd();
        await during.ClaimAsync(storefront, sale.SaleId, Crowd.Users("g", 50, 60));
        Assert.Equal(50, during.Count(HttpStatusCode.Accepted));
        var breakerOpened = false;
        using var metrics = new HttpClient { BaseAddress = worker.BaseAddress };
        while (outage.Elapsed < TimeSpan.FromSeconds(20))
        {
            breakerOpened |= (await metrics.GetStringAsync("/metrics")).Contains("flashsale_payment_circuit_state 1", StringComparison.Ordinal);
            // While the gateway is down nothing is released: a charge may have gone through.
            Assert.Equal((0, 0), await ReleasedAndRemainingAsync(sale.SaleId));
            await Task.Delay(250);
        }
        stripe.Outage = false;
        var clock = Stopwatch.StartNew();

        var ledger = await Settlement.SettleAndAuditAsync(stores, sale.SaleId, TimeSpan.FromSeconds(120), simulatedGateway: false,
            redis: await redis.ConnectAsync(stores));
        var intents = stripe.Intents.Where(i => i.Succeeded).GroupBy(i => i.ClaimId).ToList();
        output.WriteLine($"gateway down {outage.Elapsed.TotalSeconds:0} s: admitted 100 (50 during the outage), breaker opened: {breakerOpened}, " +
                         $"paid {ledger.PaidUnits}, create requests {stripe.CreateRequests.Count}, settled {clock.Elapsed.TotalSeconds:0.0} s after it returned");
        Assert.True(breakerOpened, "the circuit breaker opened during the outage");
        Assert.Equal(100, ledger.PaidUnits);
        Assert.Equal(100, intents.Count);
        Assert.All(intents, g => Assert.Single(g));
    }

    private async Task<(int Released, int Remaining)> ReleasedAndRemainingAsync(string saleId)
    {
        await using var conn = await stores.Db!.OpenConnectionAsync();
        var released = await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM claims WHERE sale_id = @saleId AND status IN ('payment_failed', 'released', 'expired')", new { saleId });
        var remaining = (int)await (await redis.ConnectAsync(stores)).GetDatabase().StringGetAsync(new FlashSale.Service.Pool.SaleKeys(saleId).Remaining);
        return (released, remaining);
    }
}

[Collection(FaultCollection.Name)]
public sealed class GatewayDownMidSaleTestsOnSingleNode(FaultStores stores, ITestOutputHelper output)
    : GatewayDownMidSaleTests(stores, output, FaultRedis.SingleNode);

[Collection(FaultCollection.Name)]
public sealed class GatewayDownMidSaleTestsOnCluster(FaultStores stores, ITestOutputHelper output)
    : GatewayDownMidSaleTests(stores, output, FaultRedis.Cluster);
