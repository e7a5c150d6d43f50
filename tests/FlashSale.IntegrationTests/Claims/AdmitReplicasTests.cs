using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>
/// <c>FlashSale:Redis:AdmitReplicas</c>: a 202 only once that many replicas hold the admit (Redis WAIT); when they do
/// not answer in time the buyer gets 503 dependency_unavailable, and a retry is a replay of the same claim.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class AdmitReplicasTests
{
    [Fact]
    public async Task Behind_sentinels_with_one_replica_a_claim_is_admitted_once_the_replica_holds_it_and_gets_paid()
    {
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = ServiceFixture.SentinelAddress, ["FlashSale:Redis:AdmitReplicas"] = "1",
        });
        var sale = await app.Admin.LiveSaleAsync(stock: 20);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => app.Storefront.ClaimAsync(sale.SaleId, $"replicated-{i}")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 20, TimeSpan.FromSeconds(30), "every claim is paid");
    }

    // One node has no replica to wait for: the misconfiguration every claim shows, which makes the refusal testable.
    [Fact]
    public async Task Without_a_replica_to_acknowledge_the_buyer_gets_503_and_a_retry_replays_the_same_claim()
    {
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:AdmitReplicas"] = "1", ["FlashSale:Redis:AdmitReplicaTimeout"] = "00:00:00.020",
        });
        var sale = await app.Admin.LiveSaleAsync(stock: 5);

        var first = await app.Storefront.ClaimAsync(sale.SaleId, "unsafe-buyer");
        var retry = await app.Storefront.ClaimAsync(sale.SaleId, "unsafe-buyer");

        await ProblemAssert.HasAsync(first, HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        Assert.NotNull(first.Headers.RetryAfter);
        await ProblemAssert.HasAsync(retry, HttpStatusCode.ServiceUnavailable, "dependency_unavailable");
        var keys = new SaleKeys(sale.SaleId);
        Assert.Equal(1, await app.Redis.HashLengthAsync(keys.Users));
        Assert.Equal(4, (long)await app.Redis.StringGetAsync(keys.Remaining));
        // Nor does a worker take a claim no replica holds: PostgreSQL never sees it (the worker polls every 10 ms,
        // so half a second is fifty chances to get it wrong).
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Confirmed);
    }
}
