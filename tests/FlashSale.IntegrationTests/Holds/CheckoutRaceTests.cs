using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// A buyer's checkout and their giving the hold up, sent at the same instant for 100 holds: each claim goes one way
/// only (paid, or released with its unit back), never both, never a unit returned twice or charged for a released
/// claim; the sale's report balances.
/// </summary>
public abstract class CheckoutRaceTests(ServiceFixture app, ITestOutputHelper output)
{
    private const int Holds = 100;

    [Fact]
    public async Task Checkout_racing_a_release_ends_each_claim_one_way_with_its_unit_counted_once()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: Holds, checkout: Checkout.Hold());
        var claims = new List<string>();
        foreach (var i in Enumerable.Range(0, Holds))
            claims.Add((await (await app.Storefront.HoldAsync(sale.SaleId, $"racer-{i}")).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!.ClaimId);
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.Count(c => c.Status == "held") == Holds,
            TimeSpan.FromSeconds(30), "every hold is recorded");

        // Ten races at a time: the three topologies' suites run side by side against one PostgreSQL, whose
        // connections are shared by every host of the test process.
        var races = new List<(string claimId, HttpStatusCode Checkout, HttpStatusCode Release, string Bodies)>();
        foreach (var wave in claims.Chunk(10))
            races.AddRange(await Task.WhenAll(wave.Select(async claimId =>
            {
                var checkout = app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{claimId}/checkout", new { paymentMethodId = "pm_card_visa" });
                var release = app.Storefront.ReleaseAsync(sale.SaleId, claimId);
                var (c, r) = (await checkout, await release);
                return (claimId, c.StatusCode, r.StatusCode, await c.Content.ReadAsStringAsync() + " / " + await r.Content.ReadAsStringAsync());
            })));
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.All(c => c.Status is "paid" or "released"),
            TimeSpan.FromSeconds(60), "every claim went one way");

        var ledger = await InvariantAudit.For(app).ReadAsync(sale.SaleId);
        var status = ledger.Claims.ToDictionary(c => c.ClaimId, c => c.Status);
        foreach (var race in races)
        {
            // Exactly one of the two was taken, and the claim ended the way of the one that was.
            Assert.True((race.Checkout == HttpStatusCode.Accepted) != (race.Release == HttpStatusCode.OK), $"{race.claimId}: {race.Checkout} / {race.Release}: {race.Bodies}");
            Assert.Equal(race.Checkout == HttpStatusCode.Accepted ? "paid" : "released", status[race.claimId]);
        }
        var paid = ledger.Claims.Count(c => c.Status == "paid");
        var released = Holds - paid;
        output.WriteLine($"{Holds} races of checkout and release: {paid} paid, {released} released");
        Assert.Equal((paid, released), (ledger.Sold, ledger.RedisRemaining));
        Assert.Equal(paid, ledger.Charges.Count(c => c.Outcome == "succeeded"));
        Assert.All(ledger.Charges, c => Assert.Contains(ledger.Claims, claim => claim.Status == "paid" && c.Key.Contains(claim.ClaimId, StringComparison.Ordinal)));
        var report = await app.Admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/admin/sales/{sale.SaleId}/report", FlashSaleClient.Json);
        Assert.True(report.GetProperty("balanced").GetBoolean(), report.ToString());
    }
}

[Collection(ServiceCollection.Name)]
public sealed class CheckoutRaceTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : CheckoutRaceTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class CheckoutRaceTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : CheckoutRaceTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class CheckoutRaceTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : CheckoutRaceTests(app, output);
