using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Redis;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// kill -9 of the Sentinel-managed primary mid-sale: requests answer 503 dependency_unavailable with Retry-After
/// meanwhile (none hangs), the service follows the promoted replica by itself, and no 202 is forgotten.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class SentinelFailoverTests(FailoverStores stores, ITestOutputHelper output)
{
    [Fact]
    public async Task The_service_follows_the_promoted_replica_and_every_admitted_claim_is_paid()
    {
        await stores.RestoreAsync();
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = stores.SentinelConfiguration,
            // A 202 only once the replica holds it: the kill below must not take any along.
            ["FlashSale:Redis:AdmitReplicas"] = "1",
            ["FlashSale:Redis:AdmitReplicaTimeout"] = "00:00:00.200",
        });
        var sale = await app.Admin.LiveSaleAsync(stock: 100_000);
        var buyers = new Buyers(app.Storefront, sale.SaleId, "sentinel-failover");
        using var stop = new CancellationTokenSource();
        var crowd = buyers.RunAsync(concurrency: 8, stop.Token);

        await Eventually.True(() => Task.FromResult(buyers.AdmittedSince(TimeSpan.Zero) >= 200), TimeSpan.FromSeconds(30), "the sale is under way");
        var primary = (await RedisCli.SentinelPrimaryAsync())!.Value;
        var killedAt = buyers.Now;
        FailoverStores.Kill(primary);
        await Eventually.True(async () => await RedisCli.SentinelPrimaryAsync() is { } now && now != primary, TimeSpan.FromSeconds(30),
            "the Sentinels promoted the replica");
        var promotedAt = buyers.Now;
        // The promoted primary needs a replica again before AdmitReplicas = 1 can admit: the old one comes back as that.
        await stores.RestoreAsync();
        var restoredAt = buyers.Now;
        await Eventually.True(() => Task.FromResult(buyers.AdmittedSince(killedAt) >= 200), TimeSpan.FromSeconds(60), () => buyers.Summary(killedAt),
            "the service admits again on the promoted primary");
        await stop.CancelAsync();
        await crowd;

        FailoverAudit.AssertEveryRequestAnswered(buyers);
        FailoverAudit.Report(buyers, killedAt, promotedAt, restoredAt, "Sentinel primary kill -9 (AdmitReplicas 1, one replica restored after promotion)", output);
        await FailoverAudit.AssertNothingForgottenAsync(app, sale.SaleId, buyers);
    }
}
