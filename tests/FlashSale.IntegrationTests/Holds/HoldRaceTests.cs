using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// The hold race of "Hold, then pay": 5,000 claims from 2,500 buyers (each sends two at once) for 100 units held 30 s
/// (the contract's shortest hold); a third of the winners never pay, so their units expire and are sold to buyers who
/// keep trying; the rest pay at once. It ends with paid = stock and every invariant holding. The holds last 30 s, so
/// the three topologies run side by side, each on a host of its own, in the collection of the 30-second holds.
/// </summary>
[Collection(ThirtySecondHolds.Name)]
public sealed class HoldRaceTests(ITestOutputHelper output)
{
    private const int Stock = 100, Buyers = 2500, LateBuyers = 60;

    [Fact]
    public async Task Abandoned_holds_expire_and_are_sold_again_until_paid_equals_stock()
    {
        var results = await Task.WhenAll(new[] { TestServers.RedisSingleNode, TestServers.RedisCluster, TestServers.RedisSentinel }.Select(RaceOnAsync));
        foreach (var (name, figures) in new[] { "one node", "cluster", "Sentinels" }.Zip(results)) output.WriteLine($"{name}: {figures}");
    }

    private static async Task<string> RaceOnAsync(string redis)
    {
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?> { ["FlashSale:Redis:Configuration"] = redis });
        var sale = await app.Admin.LiveSaleAsync(stock: Stock, checkout: Checkout.Hold(holdSeconds: 30));
        var winners = new ConcurrentDictionary<string, HoldAccepted>();
        var answers = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Buyers * 2), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var user = $"hold-racer-{i / 2}";
            var response = await app.Storefront.HoldAsync(sale.SaleId, user);
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Accepted) winners[user] = (await response.Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
        });
        Assert.Equal(Stock, winners.Count);
        Assert.Equal(Stock, answers.Count(a => a == HttpStatusCode.Accepted));
        Assert.Equal(Buyers * 2 - Stock, answers.Count(a => a is HttpStatusCode.OK or HttpStatusCode.Conflict));
        await Eventually.True(async () => (await new InvariantAudit(app.Db, app.Redis).ReadAsync(sale.SaleId)).Claims.Count == Stock,
            TimeSpan.FromSeconds(30), "every hold is recorded");

        // A third never pay; the others pay at once.
        var abandoned = winners.Values.OrderBy(w => w.ClaimId).Take(Stock / 3).ToList();
        var payers = winners.Values.Except(abandoned).ToList();
        await Parallel.ForEachAsync(payers, new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (w, _) =>
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{w.ClaimId}/checkout",
                new { paymentMethodId = "pm_card_visa" })).StatusCode));

        // Buyers who lost keep trying, and pay the moment they win.
        var resales = new ConcurrentBag<DateTime>();
        var late = Enumerable.Range(0, LateBuyers).Select(i => $"hold-racer-{Buyers - 1 - i}").Where(u => !winners.ContainsKey(u)).ToList();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(late, new ParallelOptions { MaxDegreeOfParallelism = LateBuyers }, async (user, _) =>
        {
            while (resales.Count < abandoned.Count && clock.Elapsed < TimeSpan.FromSeconds(90))
            {
                var response = await app.Storefront.HoldAsync(sale.SaleId, user);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    resales.Add(DateTime.UtcNow);
                    var held = (await response.Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!;
                    await Eventually.True(async () => (await app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{held.ClaimId}/checkout",
                        new { paymentMethodId = "pm_card_visa" })).StatusCode == HttpStatusCode.Accepted, TimeSpan.FromSeconds(15), "the late buyer paid");
                    return;
                }
                await Task.Delay(250);
            }
        });
        Assert.Equal(abandoned.Count, resales.Count);

        await Eventually.True(async () => (await new InvariantAudit(app.Db, app.Redis).ReadAsync(sale.SaleId)).Claims.All(c => c.Status is "paid" or "expired"),
            TimeSpan.FromSeconds(30), "every claim settled");
        var ledger = await new InvariantAudit(app.Db, app.Redis).AssertSettledAsync(sale.SaleId);
        Assert.Equal((Stock, Stock, 0), (ledger.PaidUnits, ledger.Sold, ledger.RedisRemaining));
        Assert.Equal(abandoned.Select(a => a.ClaimId).Order(), ledger.Claims.Where(c => c.Status == "expired").Select(c => c.ClaimId).Order());

        // Resold in the order the holds ended: the k-th resale after the k-th expiry.
        var gaps = abandoned.Select(a => a.HoldExpiresAt).Order().Zip(resales.Order(), (expired, resold) => (resold - expired).TotalMilliseconds).ToList();
        return $"{Buyers * 2} claims from {Buyers} buyers: {Stock} admitted at first, {abandoned.Count} expired and resold, {ledger.PaidUnits} paid; " +
               $"expiry to resale median {gaps.Order().ElementAt(gaps.Count / 2):0} ms, max {gaps.Max():0} ms";
    }
}

