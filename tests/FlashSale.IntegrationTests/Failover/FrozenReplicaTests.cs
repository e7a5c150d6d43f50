using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// Redis replicates asynchronously, so a primary can die with admits its replica never saw. Made deterministic:
/// the replica is frozen (SIGSTOP) and its link dropped while buyers claim, the primary is killed (kill -9), the
/// frozen replica thaws and the Sentinels promote it. With AdmitReplicas = 0 the buyers were told 202 for claims the new primary never heard
/// of; with AdmitReplicas = 1 nobody was told 202 until a replica held the claim, so nothing told is forgotten.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class FrozenReplicaTests(FailoverStores stores, ITestOutputHelper output)
{
    private const int Buyers = 20;

    [Fact]
    public async Task Without_admit_replicas_the_failover_forgets_202s_and_with_one_it_forgets_none()
    {
        var lost = await FailOverWhileFrozenAsync(admitReplicas: 0);
        Assert.True(lost.Told > 0 && lost.Forgotten == lost.Told, $"without WAIT the frozen replica never saw the {lost.Told} admits told 202 ({lost.Forgotten} forgotten)");

        var kept = await FailOverWhileFrozenAsync(admitReplicas: 1);
        Assert.Equal((0, 0), (kept.Told, kept.Forgotten));
        output.WriteLine($"AdmitReplicas 0: {lost.Told} buyers told 202 during the freeze, {lost.Forgotten} of those claims unknown after the failover; " +
                         $"AdmitReplicas 1: {kept.Told} told 202 (the others 503), {kept.Forgotten} forgotten");
    }

    private async Task<(int Told, int Forgotten)> FailOverWhileFrozenAsync(int admitReplicas)
    {
        await stores.RestoreAsync();
        // The edge only: no worker takes the frozen-time claims into PostgreSQL, so what Redis forgot stays forgotten.
        await using var edge = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["role"] = "edge",
            ["FlashSale:Redis:Configuration"] = stores.SentinelConfiguration,
            ["FlashSale:Redis:AdmitReplicas"] = admitReplicas.ToString(),
            ["FlashSale:Redis:AdmitReplicaTimeout"] = "00:00:00.100",
        });
        var sale = await edge.Admin.LiveSaleAsync(stock: 1_000);
        var (primary, replica) = await FailoverStores.SentinelPairAsync(sale.SaleId);

        var told = new List<string>();
        using (await FailoverStores.CutOffAsync(primary, replica))
        {
            foreach (var i in Enumerable.Range(0, Buyers))
            {
                var answer = await edge.Storefront.ClaimAsync(sale.SaleId, $"frozen-{admitReplicas}-{i}");
                if (answer.StatusCode == HttpStatusCode.Accepted)
                    told.Add(JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("claimId").GetString()!);
                else Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            }
            FailoverStores.Kill(primary);
        }
        await Eventually.True(async () => await RedisCli.SentinelPrimaryAsync() == replica, TimeSpan.FromSeconds(30), "the Sentinels promoted the thawed replica");
        await Eventually.True(async () => await edge.Storefront.ClaimStatusAsync(sale.SaleId, "clm_00000000000000000000000000000000") == "404",
            TimeSpan.FromSeconds(30), "the edge reads the promoted primary");

        var forgotten = 0;
        foreach (var claimId in told)
            if (await edge.Storefront.ClaimStatusAsync(sale.SaleId, claimId) == "404") forgotten++;
        return (told.Count, forgotten);
    }
}
