using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>PostgreSQL is the last line: if Redis ever admits more than the stock, the excess is rejected, never sold.</summary>
public abstract class OversellGuardTests(ServiceFixture app)
{
    [Fact]
    public async Task Claims_beyond_postgres_stock_are_rejected_and_the_rest_paid()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        // A drifted pool: Redis believes there are four units.
        await app.Redis.StringIncrementAsync(new SaleKeys(sale.SaleId).Remaining, 2);

        var claims = new List<string>();
        foreach (var user in new[] { "guard-1", "guard-2", "guard-3", "guard-4" })
        {
            var response = await app.Storefront.ClaimAsync(sale.SaleId, user);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            claims.Add((await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId);
        }

        await Eventually.True(async () =>
        {
            var statuses = await Task.WhenAll(claims.Select(id => app.Storefront.GetClaimAsync(sale.SaleId, id)));
            return statuses.All(c => c.Status is "paid" or "rejected");
        }, TimeSpan.FromSeconds(30), "every claim is paid or rejected");

        var ledger = await InvariantAudit.For(app).ReadAsync(sale.SaleId);
        Assert.Equal(2, ledger.Claims.Count(c => c.Status == "paid"));
        Assert.Equal(2, ledger.Claims.Count(c => c.Status == "rejected"));
        Assert.Equal((2, 2), (ledger.Sold, ledger.PaidUnits));
        var report = (await app.Admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/admin/sales/{sale.SaleId}/report"));
        Assert.Contains(report.GetProperty("anomalies").EnumerateArray(), a => a.GetString()!.Contains("rejected", StringComparison.Ordinal));
    }
}

[Collection(ServiceCollection.Name)]
public sealed class OversellGuardTestsOnSingleNode(ServiceFixture app) : OversellGuardTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class OversellGuardTestsOnCluster(ClusterServiceFixture app) : OversellGuardTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class OversellGuardTestsBehindSentinels(SentinelServiceFixture app) : OversellGuardTests(app);
