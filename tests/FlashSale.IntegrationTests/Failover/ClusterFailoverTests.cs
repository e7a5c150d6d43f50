using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// kill -9 of the cluster master that holds a live sale's slot: its replica takes over, requests for that sale answer
/// 503 dependency_unavailable with Retry-After meanwhile (none hangs), and no 202 is forgotten.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class ClusterFailoverTests(FailoverStores stores, ITestOutputHelper output)
{
    [Fact]
    public async Task The_replica_of_the_killed_master_takes_over_the_sale_and_every_admitted_claim_is_paid()
    {
        await stores.RestoreAsync();
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = stores.ClusterConfiguration,
            ["FlashSale:Redis:AdmitReplicas"] = "1",
            ["FlashSale:Redis:AdmitReplicaTimeout"] = "00:00:00.200",
        });
        var sale = await app.Admin.LiveSaleAsync(stock: 100_000);
        var buyers = new Buyers(app.Storefront, sale.SaleId, "cluster-failover");
        using var stop = new CancellationTokenSource();
        var crowd = buyers.RunAsync(concurrency: 8, stop.Token);

        await Eventually.True(() => Task.FromResult(buyers.AdmittedSince(TimeSpan.Zero) >= 200), TimeSpan.FromSeconds(30), "the sale is under way");
        var redis = app.Services.GetService(typeof(IConnectionMultiplexer)) as IConnectionMultiplexer;
        var master = redis!.GetServer(new SaleKeys(sale.SaleId).Meta);
        var masterPort = ((System.Net.IPEndPoint)master.EndPoint).Port;
        var replicaPort = await ReplicaOfAsync(masterPort);
        var killedAt = buyers.Now;
        FailoverStores.Kill(masterPort);
        await Eventually.True(() => RedisCli.IsMasterAsync(replicaPort), TimeSpan.FromSeconds(30), "the cluster promoted the replica");
        var promotedAt = buyers.Now;
        await stores.RestoreAsync();
        var restoredAt = buyers.Now;
        await Eventually.True(() => Task.FromResult(buyers.AdmittedSince(killedAt) >= 200), TimeSpan.FromSeconds(60), () => buyers.Summary(killedAt),
            "the service admits again on the promoted master");
        await stop.CancelAsync();
        await crowd;

        FailoverAudit.AssertEveryRequestAnswered(buyers);
        FailoverAudit.Report(buyers, killedAt, promotedAt, restoredAt, $"cluster master :{masterPort} kill -9, replica :{replicaPort} promoted (AdmitReplicas 1)", output);
        await FailoverAudit.AssertNothingForgottenAsync(app, sale.SaleId, buyers);
    }

    private static async Task<int> ReplicaOfAsync(int masterPort)
    {
        var nodes = await RedisCli.RunAsync(masterPort, "cluster", "nodes");
        var masterId = nodes.Single(n => n.Contains("myself")).Split(' ')[0];
        var replica = nodes.Single(n => n.Split(' ') is var f && f[2].Contains("slave") && f[3] == masterId).Split(' ')[1];
        return int.Parse(replica[(replica.IndexOf(':') + 1)..replica.IndexOf('@')]);
    }
}
