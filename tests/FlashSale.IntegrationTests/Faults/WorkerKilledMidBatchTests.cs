using System.Diagnostics;
using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>kill -9 of the worker while it charges a batch: every 202 claim still ends terminal, nobody is charged twice.</summary>
public abstract class WorkerKilledMidBatchTests(FaultStores stores, ITestOutputHelper output, FaultRedis redis)
{
    [Fact]
    public async Task Every_admitted_claim_is_paid_once_after_the_worker_is_killed_and_restarted()
    {
        // A slow gateway, small batches and few charges at once keep the worker in the middle of its batches when
        // the kill comes (a batch's claims are recorded together, so big ones would be paid all at once).
        var slow = redis.Settings(stores, new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Simulated:Latency"] = "00:00:00.200",
            ["FlashSale:Queue:BatchSize"] = "20",
            ["FlashSale:Payments:MaxConcurrentCharges"] = "16",
        });
        using var edge = await FaultProcesses.StartAsync("edge", stores, redis.Settings(stores));
        using var worker = await FaultProcesses.StartAsync("worker", stores, slow);
        var admin = edge.Client(ServiceFixture.AdminKey);
        var sale = await admin.LiveSaleAsync(stock: 300);
        var crowd = new Crowd();
        await crowd.ClaimAsync(edge.Client(ServiceFixture.StorefrontKey), sale.SaleId, Crowd.Users("w", 0, 360));
        Assert.Equal(300, crowd.Count(HttpStatusCode.Accepted));

        await Eventually.True(async () => await Settlement.PaidAsync(stores, sale.SaleId) >= 30, TimeSpan.FromSeconds(60), "the worker is under way");
        worker.Kill();
        var paidAtKill = await Settlement.PaidAsync(stores, sale.SaleId);
        var clock = Stopwatch.StartNew();
        using var restarted = await FaultProcesses.StartAsync("worker", stores, slow);

        var ledger = await Settlement.SettleAndAuditAsync(stores, sale.SaleId, TimeSpan.FromSeconds(120), redis: await redis.ConnectAsync(stores));
        output.WriteLine($"worker kill -9: admitted 300, paid at kill {paidAtKill}, in flight at kill {300 - paidAtKill}, " +
                         $"paid after {ledger.PaidUnits}, charge attempts {ledger.Charges.Sum(c => c.Attempts)}, settled {clock.Elapsed.TotalSeconds:0.0} s after restart");
        Assert.InRange(paidAtKill, 30, 299);
        Assert.Equal(300, ledger.PaidUnits);
        Assert.Equal(300, ledger.Charges.Count(c => c.Outcome == "succeeded"));
        Assert.Equal(0, ledger.RedisRemaining);
    }
}

[Collection(FaultCollection.Name)]
public sealed class WorkerKilledMidBatchTestsOnSingleNode(FaultStores stores, ITestOutputHelper output)
    : WorkerKilledMidBatchTests(stores, output, FaultRedis.SingleNode);

[Collection(FaultCollection.Name)]
public sealed class WorkerKilledMidBatchTestsOnCluster(FaultStores stores, ITestOutputHelper output)
    : WorkerKilledMidBatchTests(stores, output, FaultRedis.Cluster);
