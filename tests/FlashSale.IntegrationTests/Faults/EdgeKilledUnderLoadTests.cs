using System.Diagnostics;
using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>kill -9 of the edge under load: no admitted claim is lost and no stock leaks.</summary>
public abstract class EdgeKilledUnderLoadTests(FaultStores stores, ITestOutputHelper output, FaultRedis redis)
{
    [Fact]
    public async Task Claims_admitted_before_the_kill_are_all_settled_and_stock_is_conserved()
    {
        using var worker = await FaultProcesses.StartAsync("worker", stores, redis.Settings(stores));
        using var edge = await FaultProcesses.StartAsync("edge", stores, redis.Settings(stores));
        var sale = await edge.Client(ServiceFixture.AdminKey).LiveSaleAsync(stock: 400);
        var crowd = new Crowd();

        var rush = crowd.ClaimAsync(edge.Client(ServiceFixture.StorefrontKey), sale.SaleId, Crowd.Users("e", 0, 600), parallelism: 16);
        await Eventually.True(() => Task.FromResult(crowd.Count(HttpStatusCode.Accepted) >= 100), TimeSpan.FromSeconds(60), "the rush is under way");
        edge.Kill();
        edge.Dispose();
        await rush;
        var beforeKill = crowd.Count(HttpStatusCode.Accepted);
        var broken = crowd.Broken;

        var clock = Stopwatch.StartNew();
        using var restarted = await FaultProcesses.StartAsync("edge", stores, redis.Settings(stores));
        // The buyers whose requests broke retry, as a storefront would, and new buyers arrive.
        var retries = crowd.Answers.Where(a => a.Status is null).Select(a => a.User).ToList();
        var after = new Crowd();
        await after.ClaimAsync(restarted.Client(ServiceFixture.StorefrontKey), sale.SaleId, retries.Concat(Crowd.Users("e", 600, 300)));

        var ledger = await Settlement.SettleAndAuditAsync(stores, sale.SaleId, TimeSpan.FromSeconds(120), redis: await redis.ConnectAsync(stores));
        var admitted = crowd.AdmittedClaimIds.Concat(after.AdmittedClaimIds).ToHashSet();
        output.WriteLine($"edge kill -9: 202 before kill {beforeKill}, requests broken by the kill {broken}, 202 after restart {after.Count(HttpStatusCode.Accepted)}, " +
                         $"replays after restart {after.Count(HttpStatusCode.OK)}, paid {ledger.PaidUnits}, remaining {ledger.RedisRemaining}, settled {clock.Elapsed.TotalSeconds:0.0} s after restart");
        // Every claim a buyer was told about is in PostgreSQL and paid; a broken request's claim, if any, too.
        var recorded = ledger.Claims.ToDictionary(c => c.ClaimId);
        Assert.All(admitted, id => Assert.Equal("paid", recorded[id].Status));
        Assert.Equal(400, ledger.PaidUnits);
        Assert.Equal(0, ledger.RedisRemaining);
    }
}

[Collection(FaultCollection.Name)]
public sealed class EdgeKilledUnderLoadTestsOnSingleNode(FaultStores stores, ITestOutputHelper output)
    : EdgeKilledUnderLoadTests(stores, output, FaultRedis.SingleNode);

[Collection(FaultCollection.Name)]
public sealed class EdgeKilledUnderLoadTestsOnCluster(FaultStores stores, ITestOutputHelper output)
    : EdgeKilledUnderLoadTests(stores, output, FaultRedis.Cluster);
