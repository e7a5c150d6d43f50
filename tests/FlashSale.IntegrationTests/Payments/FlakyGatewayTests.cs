using System.Diagnostics;
using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>Invariant 5 under a flaky gateway: retries, pending claims and their settling never charge twice.</summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class FlakyGatewayTests(ITestOutputHelper output)
{
    private const int Claims = 500;

    [Fact]
    public async Task Five_hundred_claims_at_a_30_percent_transient_failure_rate_are_all_paid_exactly_once_with_one_event_each()
    {
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Payments:Simulated:TransientFailureRate"] = "0.3",
            ["FlashSale:Payments:Resilience:MaxRetries"] = "3",
            ["FlashSale:Payments:Resilience:RetryBaseDelay"] = "00:00:00.005",
            ["FlashSale:Payments:Resilience:RetryMaxDelay"] = "00:00:00.050",
            // A 30% rate alone should not open it; if a streak does, it recovers quickly and claims wait meanwhile.
            ["FlashSale:Payments:Resilience:BreakerMinimumThroughput"] = "50",
            ["FlashSale:Payments:Resilience:BreakerBreakDuration"] = "00:00:00.500",
            ["FlashSale:Payments:Pending:Interval"] = "00:00:00.100",
            ["FlashSale:Payments:Pending:RecheckAfter"] = "00:00:00.100",
            ["FlashSale:Outbox:PollInterval"] = "00:00:00.050",
        });
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var sale = await app.Admin.LiveSaleAsync(stock: Claims);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Claims), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, $"flaky-{i}")).StatusCode));

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == Claims,
            TimeSpan.FromSeconds(120), "every claim is paid despite the flaky gateway");
        output.WriteLine($"{Claims} claims paid {clock.ElapsedMilliseconds} ms after the first was sent");

        var ledger = await new InvariantAudit(app.Db, app.Redis).AssertSettledAsync(sale.SaleId);
        Assert.Equal(Claims, ledger.Claims.Count(c => c.Status == "paid"));
        Assert.Equal(Claims, ledger.Charges.Count(c => c.Outcome == "succeeded"));
        Assert.Equal(Claims, ledger.Charges.Select(c => c.Key).Distinct().Count());
        output.WriteLine($"gateway ledger: {ledger.Charges.Count} charges, {ledger.Charges.Sum(c => c.Attempts)} charge calls reached it");

        await Eventually.True(async () => (await OrderStream.OutboxAsync(app.Db, sale.SaleId)).Count(e => e.Published) == Claims,
            TimeSpan.FromSeconds(30), "every order event is published");
        var outbox = await OrderStream.OutboxAsync(app.Db, sale.SaleId);
        Assert.Equal(Claims, outbox.Select(e => e.ClaimId).Distinct().Count());
        Assert.All(outbox, e => Assert.Equal(("OrderPaid", 12900L, "usd"), (e.Type, e.AmountCents, e.Currency)));
        var published = await OrderStream.PublishedAsync(app.Redis, sale.SaleId, since);
        // No relay crashed here, so each event is on the stream exactly once.
        Assert.Equal(outbox.Select(e => e.EventId.ToString()).Order(), published.Select(f => f["eventId"]).Order());
    }
}
