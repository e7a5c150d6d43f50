using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Payments;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Reconciliation;
using FlashSale.Service.Sales;
using FlashSale.Service.Worker;

namespace FlashSale.IntegrationTests.Reconciliation;

/// <summary>
/// A declined charge gives its unit back in two steps: PostgreSQL (sold -= 1), then Redis. A drift repair that falls
/// between the two must not set Redis from PostgreSQL and then see the return land on top: the return is an intent
/// recorded with the PostgreSQL step, applied until done, and the repair waits while one is outstanding. The pause
/// between the steps is a stalled link (a TCP proxy in front of Redis) under the settler's host only; one node, since a
/// cluster or the Sentinels hand clients the servers' own addresses, around any proxy.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class ReturnDuringDriftRepairTests
{
    private const int Stock = 5;

    [Fact]
    public async Task A_drift_repair_inside_a_return_leaves_Redis_remaining_exact()
    {
        using var proxy = new PausableTcpProxy(IPEndPoint.Parse(TestServers.RedisSingleNode));
        await using var settling = await SettlingHostAsync(proxy.Address);
        await using var reconciling = await IsolatedService.StartAsync(new Dictionary<string, string?> { ["role"] = "edge" }, schema: settling.Schema);
        var (sale, keys, decline) = await PendingClaimAsync(settling);

        // The settler records the decline; its link to Redis stalls between the PostgreSQL step and the Redis one.
        var recording = await DeclineWithRedisHeldAsync(proxy, settling, sale, decline);

        // Another worker's reconciler passes over the sale inside the pause.
        await reconciling.Get<SaleReconciler>().ReconcileAsync(sale, CancellationToken.None);
        proxy.Resume();
        await recording;

        var counts = (await reconciling.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        var remaining = (int)await reconciling.Redis.StringGetAsync(keys.Remaining);
        Assert.Equal((0, Stock), (counts.Sold, remaining));
        Assert.Equal(1, (int)await reconciling.Redis.HashGetAsync(keys.Meta, "released"));
        // And the next passes find nothing to repair.
        await reconciling.Get<SaleReconciler>().ReconcileAsync(sale, CancellationToken.None);
        Assert.Equal(Stock, (int)await reconciling.Redis.StringGetAsync(keys.Remaining));
    }

    [Fact]
    public async Task A_return_whose_Redis_step_failed_is_applied_by_the_next_reconciler_pass()
    {
        var proxy = new PausableTcpProxy(IPEndPoint.Parse(TestServers.RedisSingleNode));
        await using var settling = await SettlingHostAsync(proxy.Address);
        await using var reconciling = await IsolatedService.StartAsync(new Dictionary<string, string?> { ["role"] = "edge" }, schema: settling.Schema);
        var (sale, keys, decline) = await PendingClaimAsync(settling);

        // The link to Redis dies with the release still in it: the settler's Redis step fails after its commit.
        var recording = await DeclineWithRedisHeldAsync(proxy, settling, sale, decline);
        proxy.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => recording);
        Assert.Equal(Stock - 1, (int)await reconciling.Redis.StringGetAsync(keys.Remaining));

        await reconciling.Get<SaleReconciler>().ReconcileAsync(sale, CancellationToken.None);
        Assert.Equal(Stock, (int)await reconciling.Redis.StringGetAsync(keys.Remaining));
        Assert.Equal(1, (int)await reconciling.Redis.HashGetAsync(keys.Meta, "released"));
    }

    /// <returns>The settler's recording of the decline, once its PostgreSQL step is committed and its Redis step held.</returns>
    private static async Task<Task> DeclineWithRedisHeldAsync(PausableTcpProxy proxy, IsolatedService settling, SaleRow sale, Func<Task> decline)
    {
        proxy.Pause();
        var recording = decline();
        await Eventually.True(async () => (await OrderStream.ClaimsAsync(settling.Db, sale.SaleId)).Values.Single().Status == "payment_failed",
            TimeSpan.FromSeconds(10), "PostgreSQL has the unit back");
        return recording;
    }

    // Edge roles: no worker, settler or reconciler of their own; the test drives those steps.
    private static Task<IsolatedService> SettlingHostAsync(string redis) => IsolatedService.StartAsync(new Dictionary<string, string?>
    {
        ["role"] = "edge", ["FlashSale:Redis:Configuration"] = $"{redis},asyncTimeout=1000",
    });

    /// <summary>A claim whose charge was unknown (payment_pending, its queue entry done with), and the settler's recording of its decline.</summary>
    private static async Task<(SaleRow Sale, SaleKeys Keys, Func<Task> Decline)> PendingClaimAsync(IsolatedService settling)
    {
        var created = await settling.Admin.LiveSaleAsync(stock: Stock);
        var sale = (await settling.Get<SaleStore>().GetAsync(created.SaleId, CancellationToken.None))!;
        var keys = new SaleKeys(sale.SaleId);
        var claimId = await StripeGatewayTests.ClaimAsync(settling, sale.SaleId, "declined-later", "pm_card_chargeDeclined");
        var entry = Assert.Single(await settling.Redis.StreamRangeAsync(keys.Queue));
        var message = (await QueueEntry.ReadAsync(settling.Redis, keys, [entry]))[0]!;
        await settling.Get<ClaimConfirmer>().ConfirmAsync(sale.SaleId, [message], CancellationToken.None);
        var charge = ChargeRequest.For(claimId, sale.SaleId, 1, message.PaymentMethodId, sale.PriceCents, sale.Currency);
        var recorder = settling.Get<ClaimPaymentRecorder>();
        await recorder.RecordAsync([new ChargeAnswer(charge, ChargeResult.Transient("timed out"))], "worker", CancellationToken.None);
        await settling.Redis.StreamDeleteAsync(keys.Queue, [entry.Id]);
        return (sale, keys, () => recorder.RecordAsync([new ChargeAnswer(charge, ChargeResult.Declined("generic_decline"))], "pending_settler",
            CancellationToken.None));
    }
}
