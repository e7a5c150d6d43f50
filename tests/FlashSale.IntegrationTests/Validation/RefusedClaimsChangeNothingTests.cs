using System.Net;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Validation;

/// <summary>"No error ever changes state": a claim the sale's state refuses (409) takes no stock and records no claim.</summary>
[Collection(ServiceCollection.Name)]
public sealed class RefusedClaimsChangeNothingTests(ServiceFixture app)
{
    [Fact]
    public async Task Sold_out_is_409_and_takes_nothing_and_records_no_claim()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        var (winner, loser) = (Unique.User("winner"), Unique.User("loser"));
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, winner)).StatusCode);

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, loser), HttpStatusCode.Conflict, "sold_out");
        // Trying again is not a repeat of an accepted claim: still sold out, not 200.
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, loser), HttpStatusCode.Conflict, "sold_out");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 0, admitted: 1);
        await Eventually.True(async () => await ClaimsRecordedAsync(sale.SaleId) == 1, TimeSpan.FromSeconds(15), "the winner's claim is recorded");
        await Untouched.AssertNoClaimAsync(app, sale.SaleId, loser);
    }

    [Fact]
    public async Task A_quantity_larger_than_what_is_left_is_sold_out_and_takes_no_partial_stock()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3, perUserLimit: 2);
        var (first, second) = (Unique.User("first"), Unique.User("second"));
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, first, quantity: 2)).StatusCode);

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, second, quantity: 2), HttpStatusCode.Conflict, "sold_out");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 1, admitted: 2);
        // The one unit left is still there for them.
        await Untouched.AssertFirstClaimAdmittedAsync(app, sale.SaleId, second);
        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 0, admitted: 3);
    }

    [Fact]
    public async Task A_claim_refused_while_paused_takes_nothing_and_the_user_can_claim_after_resume()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 4);
        var user = Unique.User();
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "pause")).StatusCode);

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, user), HttpStatusCode.Conflict, "sale_paused");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 4, admitted: 0);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "resume")).StatusCode);
        await Untouched.AssertFirstClaimAdmittedAsync(app, sale.SaleId, user);
    }

    [Fact]
    public async Task A_claim_refused_after_close_takes_nothing()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 4);
        var user = Unique.User();
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "close")).StatusCode);

        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, user), HttpStatusCode.Conflict, "sale_ended");

        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 4, admitted: 0);
        await Untouched.AssertNoClaimAsync(app, sale.SaleId, user);
    }

    private async Task<long> ClaimsRecordedAsync(string saleId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM claims WHERE sale_id = @saleId", new { saleId });
    }
}
