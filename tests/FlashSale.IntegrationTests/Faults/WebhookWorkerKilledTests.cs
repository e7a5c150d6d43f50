using System.Diagnostics;
using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Webhooks;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>
/// kill -9 of the worker while it delivers merchant webhooks: after a restart every <c>claim.paid</c> event arrives, at
/// least once; a repeat carries the same <c>webhook-id</c> and the same body, so the receiver's dedupe by id holds.
/// </summary>
public abstract class WebhookWorkerKilledTests(FaultStores stores, ITestOutputHelper output, FaultRedis redis)
{
    private const int Stock = 300;

    [Fact]
    public async Task Every_event_is_delivered_after_the_worker_is_killed_mid_delivery_and_restarted()
    {
        var settings = redis.Settings(stores, new Dictionary<string, string?>
        {
            ["FlashSale:Webhooks:AllowPrivateTargets"] = "true",
            ["FlashSale:Webhooks:Lease"] = "00:00:03",
            ["FlashSale:Webhooks:Timeout"] = "00:00:02",
            ["FlashSale:Webhooks:FirstRetryDelay"] = "00:00:00.100",
            ["FlashSale:Webhooks:PollInterval"] = "00:00:00.050",
            // A few at a time, each answered slowly, so the kill finds deliveries in flight.
            ["FlashSale:Webhooks:MaxConcurrentPerEndpoint"] = "8",
        });
        using var edge = await FaultProcesses.StartAsync("edge", stores, settings);
        using var worker = await FaultProcesses.StartAsync("worker", stores, settings);
        var admin = edge.Client(ServiceFixture.AdminKey);
        await using var merchant = await RegisteredReceiver.StartAsync(admin, "claim.paid");
        merchant.Receiver.Delay = TimeSpan.FromMilliseconds(50);
        var sale = await admin.LiveSaleAsync(stock: Stock);
        var crowd = new Crowd();
        await crowd.ClaimAsync(edge.Client(ServiceFixture.StorefrontKey), sale.SaleId, Crowd.Users("wh", 0, Stock));
        Assert.Equal(Stock, crowd.Count(HttpStatusCode.Accepted));

        await Eventually.True(() => Task.FromResult(merchant.Of(sale.SaleId).Count >= 30), TimeSpan.FromSeconds(60), "deliveries are under way");
        worker.Kill();
        var atKill = merchant.Of(sale.SaleId).Select(e => e.WebhookId).Distinct().Count();
        var clock = Stopwatch.StartNew();
        using var restarted = await FaultProcesses.StartAsync("worker", stores, settings);

        await Eventually.True(() => Task.FromResult(merchant.Of(sale.SaleId).Select(e => e.WebhookId).Distinct().Count() == Stock),
            TimeSpan.FromSeconds(120), () => $"{merchant.Of(sale.SaleId).Select(e => e.WebhookId).Distinct().Count()} of {Stock} events arrived", "every event arrived");
        var events = merchant.Of(sale.SaleId);
        var received = merchant.Receiver.All.Where(r => r.Body.Contains(sale.SaleId)).ToList();
        output.WriteLine($"webhook worker kill -9: {atKill} of {Stock} events delivered at the kill, all {Stock} {clock.Elapsed.TotalSeconds:0.0} s " +
                         $"after the restart, {received.Count - Stock} repeats");
        Assert.InRange(atKill, 30, Stock - 1);
        Assert.All(received, r => Assert.True(r.Verified));
        // One event per paid claim, and a repeat is the same message: same id, same body.
        Assert.Equal(Stock, events.Select(e => e.Data.GetProperty("claimId").GetString()).Distinct().Count());
        Assert.All(received.GroupBy(r => r.WebhookId), g => Assert.Single(g.Select(r => r.Body).Distinct()));
        Assert.All(events, e => Assert.Equal("paid", e.Data.GetProperty("status").GetString()));
    }
}

// One node only: deliveries live in PostgreSQL, and Redis plays no part in sending them (the cluster's claim path is
// covered by WorkerKilledMidBatchTests and the delivery tests on every topology).
[Collection(FaultCollection.Name)]
public sealed class WebhookWorkerKilledTestsOnSingleNode(FaultStores stores, ITestOutputHelper output)
    : WebhookWorkerKilledTests(stores, output, FaultRedis.SingleNode);
