using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// Without AdmitReplicas a failover can lose admits PostgreSQL already recorded (the worker took them from the
/// primary before it died). The promoted primary's pools are checked against PostgreSQL before it admits again:
/// the lost claims come back with their buyers' dedupe tokens and their units, the sale report counts them as
/// lostAdmits, a buyer who claims again gets the recorded claim back, and no unit is sold twice.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class LostAdmitsHealedTests(FailoverStores stores, ITestOutputHelper output)
{
    private const int Stock = 10;

    [Fact]
    public async Task Admits_lost_in_a_failover_are_put_back_from_postgres_before_anyone_is_admitted_again()
    {
        await stores.RestoreAsync();
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = stores.SentinelConfiguration,
        });
        var sale = await app.Admin.LiveSaleAsync(stock: Stock);
        var (primary, replica) = await FailoverStores.SentinelPairAsync(sale.SaleId);

        // The replica is frozen and cut off while every unit is sold and paid.
        var claims = new Dictionary<string, string>();
        using (await FailoverStores.CutOffAsync(primary, replica))
        {
            foreach (var i in Enumerable.Range(0, Stock))
            {
                var answer = await app.Storefront.ClaimAsync(sale.SaleId, $"buyer-{i}");
                Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
                claims[$"buyer-{i}"] = ClaimIdOf(await answer.Content.ReadAsStringAsync());
            }
            await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == Stock, TimeSpan.FromSeconds(30),
                "PostgreSQL recorded and paid every claim");
            FailoverStores.Kill(primary);
        }
        await Eventually.True(async () => await RedisCli.SentinelPrimaryAsync() == replica, TimeSpan.FromSeconds(30), "the Sentinels promoted the replica");

        // The same buyers again (a retry, a second device), and newcomers: 503 while the pool is checked, then answers.
        var again = new Dictionary<string, HttpResponseMessage>();
        foreach (var user in claims.Keys.Concat(Enumerable.Range(0, 5).Select(i => $"late-{i}")))
        {
            HttpResponseMessage answer = null!;
            // Trying again soon, as a storefront would (a 429 only says the tries came too fast).
            await Eventually.True(async () => (answer = await app.Storefront.ClaimAsync(sale.SaleId, user)).StatusCode
                    is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests),
                TimeSpan.FromSeconds(30), $"{user} gets an answer from the promoted primary");
            again[user] = answer;
        }

        foreach (var (user, claimId) in claims)
        {
            Assert.Equal(HttpStatusCode.OK, again[user].StatusCode);
            Assert.Equal(claimId, ClaimIdOf(await again[user].Content.ReadAsStringAsync()));
        }
        foreach (var late in again.Keys.Where(u => u.StartsWith("late-", StringComparison.Ordinal)))
            Assert.Equal(HttpStatusCode.Conflict, again[late].StatusCode);
        var report = await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{sale.SaleId}/report", FlashSaleClient.Json);
        Assert.Equal(Stock, report.GetProperty("lostAdmits").GetInt32());
        var ledger = await new InvariantAudit(app.Db, app.Redis).AssertSettledAsync(sale.SaleId);
        Assert.Equal((Stock, 0, Stock), (ledger.PaidUnits, ledger.RedisRemaining, ledger.Claims.Count));
        output.WriteLine($"{Stock} admits lost by the failover, put back from PostgreSQL: report lostAdmits {report.GetProperty("lostAdmits").GetInt32()}, " +
                         $"{claims.Count} buyers replayed their recorded claim, 5 newcomers sold out");
    }

    private static string ClaimIdOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("claimId").GetString()!;
}
