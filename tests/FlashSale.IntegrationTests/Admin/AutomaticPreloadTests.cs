using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;
using FlashSale.Service.Pool;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>"Preload ... also done automatically shortly before startsAt" (CONTRACT.md, Admin).</summary>
[Collection(ServiceCollection.Name)]
public sealed class AutomaticPreloadTests(ServiceFixture app)
{
    [Fact]
    public async Task A_sale_starting_soon_is_preloaded_without_being_asked_then_goes_live_and_admits()
    {
        // The default lead is 5 minutes and the fixture's preloader looks every 200 ms.
        var startsIn = TimeSpan.FromSeconds(4);
        var sale = await app.Admin.CreateSaleAsync(stock: 3, sku: Unique.Sku(), startsIn: startsIn);
        var startsAt = sale.StartsAt.ToUniversalTime();
        Assert.Equal("scheduled", sale.Status);

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Status == "preloaded",
            TimeSpan.FromSeconds(3), "the sale is preloaded before it starts");
        Assert.True(DateTime.UtcNow < startsAt, "the sale was only seen preloaded after its start; the test is too slow to tell");
        var preloaded = await app.Admin.GetSaleAsync(sale.SaleId);
        Assert.Equal((3, 3, 0), (preloaded.Counts!.Stock, preloaded.Counts.Remaining, preloaded.Counts.Admitted));
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_not_started");

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Status == "live",
            startsIn + TimeSpan.FromSeconds(5), "the sale is live after its start");
        Assert.True(DateTime.UtcNow >= startsAt.AddSeconds(-1), "live before startsAt");

        var response = await app.Storefront.ClaimAsync(sale.SaleId, Unique.User());
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"claim answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((2, 1), (counts.Remaining, counts.Admitted));
    }

    [Fact]
    public async Task A_sale_starting_beyond_the_lead_stays_scheduled()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 3, sku: Unique.Sku(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));
        // A sale due now is preloaded within a few ticks; this one, an hour out, must not be.
        var due = await app.Admin.CreateSaleAsync(stock: 3, sku: Unique.Sku());

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(due.SaleId)).Status == "live",
            TimeSpan.FromSeconds(5), "the sale due now is preloaded");

        Assert.Equal("scheduled", (await app.Admin.GetSaleAsync(sale.SaleId)).Status);
        Assert.False(await app.Redis.KeyExistsAsync(new FlashSale.Service.Pool.SaleKeys(sale.SaleId).Meta));
    }
}
