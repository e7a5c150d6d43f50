using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// The worker reads the queues of sales spread over all masters: one master that stops answering (frozen with
/// SIGSTOP, not yet failed over) holds up only its own sales; the others are admitted, confirmed and paid meanwhile.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class SlowMasterTests(FailoverStores stores, ITestOutputHelper output)
{
    private const int Buyers = 20;

    [Fact]
    public async Task Sales_on_the_other_masters_are_paid_while_one_master_is_frozen()
    {
        await stores.RestoreAsync();
        var nodes = Enumerable.Range(FailoverStores.ClusterPort, 6).ToArray();
        // Frozen for seconds, not failed over: the cluster waits longer than the freeze before it gives up on a node.
        foreach (var node in nodes) await RedisCli.RunAsync(node, "config", "set", "cluster-node-timeout", "30000");
        try
        {
            await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
            {
                ["FlashSale:Redis:Configuration"] = stores.ClusterConfiguration,
            });
            var redis = (IConnectionMultiplexer)app.Services.GetService(typeof(IConnectionMultiplexer))!;
            int PortOf(string saleId) => ((System.Net.IPEndPoint)redis.GetServer(new SaleKeys(saleId).Meta).EndPoint).Port;
            var frozen = (await app.Admin.LiveSaleAsync(stock: Buyers)).SaleId;
            string other;
            do other = (await app.Admin.LiveSaleAsync(stock: Buyers + 1)).SaleId; while (PortOf(other) == PortOf(frozen));

            // The worker has seen the sale (its registry entry may sit on the master about to freeze) and paid one.
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(other, "before-the-freeze")).StatusCode);
            await Eventually.True(async () => (await app.Admin.GetSaleAsync(other)).Counts!.Paid == 1, TimeSpan.FromSeconds(15),
                "the worker reads the other sale's queue");

            FailoverStores.Signal(PortOf(frozen), "STOP");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan paidAfter;
            try
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, Buyers).Select(i => app.Storefront.ClaimAsync(other, $"unfrozen-{i}")));
                Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
                await Eventually.True(async () => (await app.Admin.GetSaleAsync(other)).Counts!.Paid == Buyers + 1, TimeSpan.FromSeconds(15),
                    "the sale on a master that answers is paid while another master is frozen");
                paidAfter = clock.Elapsed;
            }
            finally
            {
                FailoverStores.Signal(PortOf(frozen), "CONT");
            }

            // Thawed, the frozen master's sale goes on as before.
            var late = await Task.WhenAll(Enumerable.Range(0, Buyers).Select(i => app.Storefront.ClaimAsync(frozen, $"thawed-{i}")));
            Assert.All(late, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
            await Eventually.True(async () => (await app.Admin.GetSaleAsync(frozen)).Counts!.Paid == Buyers, TimeSpan.FromSeconds(30),
                "the thawed master's sale is paid");
            output.WriteLine($"master :{PortOf(frozen)} frozen: {Buyers} claims of a sale on :{PortOf(other)} all paid {paidAfter.TotalSeconds:0.0} s into the freeze");
        }
        finally
        {
            foreach (var node in nodes) await RedisCli.RunAsync(node, "config", "set", "cluster-node-timeout", "2000");
        }
    }
}
