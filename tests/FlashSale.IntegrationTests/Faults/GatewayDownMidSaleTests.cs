using System.Diagnostics;
using System.Net;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>The payment gateway down for 20 s mid-sale: the breaker opens, no stock is released, all are charged once it returns.</summary>
[Collection(FaultCollection.Name)]
public sealed class GatewayDownMidSaleTests(FaultStores stores, ITestOutputHelper output)
{
    [Fact]
    public async Task Claims_wait_while_the_gateway_is_down_and_are_each_charged_once_after_it_returns()
    {
        using var stripe = new FakeStripe();
        var settings = new Dictionary<string, string>
        {
            ["FlashSale__Payments__Provider"] = "stripe",
            ["FlashSale__Payments__Stripe__ApiKey"] = FakeStripe.ApiKey,
            ["FlashSale__Payments__Stripe__ApiBase"] = stripe.Url,
            ["FlashSale__Payments__Resilience__AttemptTimeout"] = "00:00:02",
            ["FlashSale__Payments__Resilience__MaxRetries"] = "1",
            ["FlashSale__Payments__Resilience__RetryBaseDelay"] = "00:00:00.050",
            ["FlashSale__Payments__Resilience__RetryMaxDelay"] = "00:00:00.200",
            ["FlashSale__Payments__Resilience__BreakerMinimumThroughput"] = "5",
            ["FlashSale__Payments__Resilience__BreakerSamplingDuration"] = "00:00:02",
            ["FlashSale__Payments__Resilience__BreakerBreakDuration"] = "00:00:01",
            ["FlashSale__Payments__Pending__Interval"] = "00:00:00.200",
            ["FlashSale__Payments__Pending__RecheckAfter"] = "00:00:00.500",
        };
        await using var edge = await ServiceProcess.StartAsync("edge", stores);
        await using var worker = await ServiceProcess.StartAsync("worker", stores, settings);
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
        using var metrics = new HttpClient { BaseAddress = new Uri(worker.Url) };
        while (outage.Elapsed < TimeSpan.FromSeconds(20))
        {
            breakerOpened |= (await metrics.GetStringAsync("/metrics")).Contains("flashsale_payment_circuit_state 1", StringComparison.Ordinal);
            // While the gateway is down nothing is released: a charge may have gone through.
            Assert.Equal((0, 0), await ReleasedAndRemainingAsync(sale.SaleId));
            await Task.Delay(250);
        }
        stripe.Outage = false;
        var clock = Stopwatch.StartNew();

        var ledger = await Settlement.SettleAndAuditAsync(stores, sale.SaleId, TimeSpan.FromSeconds(120), simulatedGateway: false);
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
        var remaining = (int)await stores.Redis.GetDatabase().StringGetAsync(new FlashSale.Service.Redis.SaleKeys(saleId).Remaining);
        return (released, remaining);
    }
}
