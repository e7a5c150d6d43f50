using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>Claims outside the sale's window: 409 <c>sale_not_started</c> before startsAt, <c>sale_ended</c> after endsAt.</summary>
[Collection(ServiceCollection.Name)]
public sealed class SaleWindowTests(ServiceFixture app)
{
    [Fact]
    public async Task A_preloaded_sale_that_has_not_started_refuses_claims()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "preload")).StatusCode);
        Assert.Equal("preloaded", (await app.Admin.GetSaleAsync(sale.SaleId)).Status);
        var user = Unique.User();

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, user), HttpStatusCode.Conflict, "sale_not_started");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 5, admitted: 0);
        await Untouched.AssertNoClaimAsync(app, sale.SaleId, user);
    }

    [Fact]
    public async Task A_scheduled_sale_never_preloaded_refuses_claims_as_not_started()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));
        var user = Unique.User();

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, user), HttpStatusCode.Conflict, "sale_not_started");

        var after = await app.Admin.GetSaleAsync(sale.SaleId);
        Assert.Equal("scheduled", after.Status);
        Assert.Equal((5, 0), (after.Counts!.Remaining, after.Counts.Admitted));
        await Untouched.AssertNoClaimAsync(app, sale.SaleId, user);
    }

    [Fact]
    public async Task A_sale_past_its_end_shows_ended_and_refuses_claims()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku(), endsIn: TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "preload")).StatusCode);
        var early = Unique.User("early");
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, early)).StatusCode);

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Status == "ended",
            TimeSpan.FromSeconds(10), "the sale shows ended after endsAt");
        var late = Unique.User("late");

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, late), HttpStatusCode.Conflict, "sale_ended");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 4, admitted: 1);
        await Untouched.AssertNoClaimAsync(app, sale.SaleId, late);
    }

    [Fact]
    public async Task A_paused_sale_past_its_end_refuses_claims_as_ended()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku(), endsIn: TimeSpan.FromSeconds(3));
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "preload")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "pause")).StatusCode);

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Status == "ended",
            TimeSpan.FromSeconds(10), "the paused sale shows ended after endsAt");
        var user = Unique.User();

        // Over is over: "paused, try again later" would send buyers back to a sale that can never admit them.
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, user), HttpStatusCode.Conflict, "sale_ended");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 5, admitted: 0);
        await Untouched.AssertNoClaimAsync(app, sale.SaleId, user);
    }
}
