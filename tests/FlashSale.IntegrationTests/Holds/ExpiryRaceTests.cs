using System.Net;
using System.Net.Http.Json;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Holds;

/// <summary>
/// A hold's expiry racing its payment, 1,000 times per topology: each race brings a hold's end to within a few
/// milliseconds of now and pays at once, half by a server-side checkout, half by a browser confirm whose outcome
/// arrives by webhook. Each claim ends one way: paid (never also expired), expired with nothing charged, or expired
/// and its late payment refunded once; every expired unit goes back exactly once, and the sale balances.
/// </summary>
public abstract class ExpiryRaceTests(ServiceFixture app, ITestOutputHelper output)
{
    private const int Races = 1000;
    private readonly HoldSteps _steps = new(app);

    [Fact]
    public async Task Expiry_racing_a_payment_never_both_pays_and_expires_and_returns_each_unit_once()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: Races, checkout: Checkout.Hold());
        var claims = new List<string>();
        // Ten at a time: the three topologies' suites share one PostgreSQL (see CheckoutRaceTests).
        foreach (var wave in Enumerable.Range(0, Races).Chunk(10))
            claims.AddRange(await Task.WhenAll(wave.Select(async i =>
                (await (await app.Storefront.HoldAsync(sale.SaleId, $"expiry-racer-{i}")).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!.ClaimId)));
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.Count(c => c.Status == "held") == Races,
            TimeSpan.FromSeconds(60), "every hold is recorded");
        var intents = new Dictionary<string, string>();
        foreach (var wave in claims.Where((_, i) => i % 2 == 0).Chunk(10))
            foreach (var (claimId, intent) in await Task.WhenAll(wave.Select(async c => (c, await _steps.ClientIntentAsync(sale.SaleId, c)))))
                intents[claimId] = intent.PaymentIntentId;

        var answers = new Dictionary<string, HttpStatusCode>();
        foreach (var wave in claims.Chunk(10))
        {
            // The wave's holds end within the next 20 ms, and their payments go out now.
            await using (var conn = await app.Db.OpenConnectionAsync())
                await conn.ExecuteAsync("UPDATE claims SET hold_expires_at = now() + random() * interval '20 milliseconds' WHERE claim_id = ANY(@wave)",
                    new { wave });
            foreach (var (claimId, answer) in await Task.WhenAll(wave.Select(async c => (c, (intents.TryGetValue(c, out var intent)
                         ? await _steps.ConfirmInBrowserAsync(intent, "pm_card_visa")
                         : await _steps.CheckoutAsync(sale.SaleId, c, "pm_card_visa")).StatusCode))))
                answers[claimId] = answer;
        }

        await Eventually.True(async () => await UnsettledAsync(sale.SaleId) == 0, TimeSpan.FromSeconds(60), "every claim settled, every late payment refunded");
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        var status = ledger.Claims.ToDictionary(c => c.ClaimId, c => c.Status);
        Assert.All(status.Values, s => Assert.Contains(s, new[] { "paid", "expired", "refunded" }));
        // A server-side checkout refused (409 hold_expired) ends expired; one accepted (202) is paid: the hold cannot end under it.
        foreach (var claimId in claims.Where(c => !intents.ContainsKey(c)))
            Assert.Equal(answers[claimId] == HttpStatusCode.Accepted ? "paid" : "expired", status[claimId]);
        // Every browser confirm was charged: kept when the hold still stood, refunded when it had ended.
        Assert.All(intents.Keys, c => Assert.Contains(status[c], new[] { "paid", "refunded" }));
        Assert.All(intents.Keys, c => Assert.Equal(HttpStatusCode.OK, answers[c]));

        var paid = status.Values.Count(s => s == "paid");
        var returned = Races - paid;
        Assert.Equal((paid, returned), (ledger.Sold, ledger.RedisRemaining));
        Assert.Equal(returned, (int)await app.Redis.HashGetAsync(new FlashSale.Service.Pool.SaleKeys(sale.SaleId).Meta, "released"));
        Assert.Equal(status.Values.Count(s => s == "refunded"), ledger.Refunds.Count);
        var report = await app.Admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/admin/sales/{sale.SaleId}/report", FlashSaleClient.Json);
        Assert.True(report.GetProperty("balanced").GetBoolean(), report.ToString());
        output.WriteLine($"{Races} races of expiry and payment: {paid} paid, {status.Values.Count(s => s == "expired")} expired, " +
                         $"{status.Values.Count(s => s == "refunded")} refunded; server checkouts {claims.Count(c => !intents.ContainsKey(c) && status[c] == "paid")} paid " +
                         $"of {Races - intents.Count}, browser confirms {intents.Keys.Count(c => status[c] == "paid")} paid of {intents.Count}");
    }

    private async Task<int> UnsettledAsync(string saleId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM claims WHERE sale_id = @saleId
              AND (status NOT IN ('paid', 'expired', 'refunded') OR (refund_payment_id IS NOT NULL AND refunded_at IS NULL))
            """, new { saleId })
            + await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM stock_returns WHERE sale_id = @saleId", new { saleId });
    }
}

[Collection(ServiceCollection.Name)]
public sealed class ExpiryRaceTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : ExpiryRaceTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class ExpiryRaceTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : ExpiryRaceTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class ExpiryRaceTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : ExpiryRaceTests(app, output);
