using System.Net;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Webhooks;

/// <summary>
/// The sale events: <c>sale.status_changed</c> on each change of the sale's status (preload, pause, resume, close) and
/// <c>sale.sold_out</c> when every unit is taken, each with the sale as the admin API shows it, its counts included.
/// </summary>
public abstract class SaleEventDeliveryTests(ServiceFixture app)
{
    [Fact]
    public async Task Status_changes_and_selling_out_reach_the_merchant_with_the_sale_and_its_counts()
    {
        await using var merchant = await RegisteredReceiver.StartAsync(app.Admin, "sale.status_changed", "sale.sold_out");
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "sells-it-out")).StatusCode);
        await Eventually.True(() => Task.FromResult(merchant.Of(sale.SaleId).Any(e => e.Type == "sale.sold_out")), TimeSpan.FromSeconds(20), "sold out announced");
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "pause")).StatusCode);
        await Eventually.True(() => Task.FromResult(merchant.Of(sale.SaleId).Count(e => e.Type == "sale.status_changed") >= 2),
            TimeSpan.FromSeconds(20), "the pause announced");

        var events = merchant.Of(sale.SaleId);
        Assert.Equal(["live", "paused"], events.Where(e => e.Type == "sale.status_changed").Select(e => e.Data.GetProperty("status").GetString()));
        var soldOut = events.Single(e => e.Type == "sale.sold_out").Data;
        Assert.Equal(1, soldOut.GetProperty("stock").GetInt32());
        Assert.Equal(1, soldOut.GetProperty("counts").GetProperty("sold").GetInt32());
        Assert.Equal(0, soldOut.GetProperty("counts").GetProperty("remaining").GetInt32());
        Assert.All(merchant.Receiver.All.Where(r => r.Body.Contains(sale.SaleId)), r => Assert.True(r.Verified));
    }
}

[Collection(ServiceCollection.Name)]
public sealed class SaleEventDeliveryTestsOnSingleNode(ServiceFixture app) : SaleEventDeliveryTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class SaleEventDeliveryTestsOnCluster(ClusterServiceFixture app) : SaleEventDeliveryTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class SaleEventDeliveryTestsBehindSentinels(SentinelServiceFixture app) : SaleEventDeliveryTests(app);
