using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;
using FlashSale.Service.Pool;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>404 <c>sale_not_found</c> for unknown ids, also for ids of the wrong shape (CONTRACT.md, Errors).</summary>
[Collection(ServiceCollection.Name)]
public sealed class SaleNotFoundTests(ServiceFixture app)
{
    public static TheoryData<string> UnknownIds => new()
    {
        Unique.SaleId(),
        "sale_" + Guid.NewGuid().ToString("N").ToUpperInvariant(),
        "sale_" + Guid.NewGuid().ToString("N")[..31],
        "nope",
        "42",
        "sale_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    };

    [Theory]
    [MemberData(nameof(UnknownIds))]
    public async Task Admin_get_and_every_action_answer_sale_not_found(string saleId)
    {
        await AssertNotFoundAsync(await app.Admin.Http.GetAsync($"/admin/sales/{saleId}"));
        foreach (var action in new[] { "preload", "pause", "resume", "close" })
            await AssertNotFoundAsync(await app.Admin.ActionAsync(saleId, action));
    }

    [Theory]
    [MemberData(nameof(UnknownIds))]
    public async Task Storefront_get_and_claim_answer_sale_not_found(string saleId)
    {
        await AssertNotFoundAsync(await app.Storefront.Http.GetAsync($"/sales/{saleId}"));
        await AssertNotFoundAsync(await app.Storefront.ClaimAsync(saleId, Unique.User()));
    }

    [Theory]
    [MemberData(nameof(UnknownIds))]
    public async Task A_claim_lookup_on_an_unknown_sale_answers_sale_not_found(string saleId)
    {
        // The sale id is the unknown one, whatever the claim id; a well-shaped claim id must not hide that.
        await AssertNotFoundAsync(await app.Storefront.Http.GetAsync($"/sales/{saleId}/claims/clm_{Guid.NewGuid():N}"));
        await AssertNotFoundAsync(await app.Storefront.Http.GetAsync($"/sales/{saleId}/claims/nope"));
    }

    [Fact]
    public async Task Actions_on_an_unknown_sale_create_nothing()
    {
        var saleId = Unique.SaleId();
        await AssertNotFoundAsync(await app.Admin.ActionAsync(saleId, "preload"));

        await AssertNotFoundAsync(await app.Admin.Http.GetAsync($"/admin/sales/{saleId}"));
        await AssertNotFoundAsync(await app.Storefront.ClaimAsync(saleId, Unique.User()));
        Assert.False(await app.Redis.KeyExistsAsync(new FlashSale.Service.Pool.SaleKeys(saleId).Meta));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("clm_00000000000000000000000000000000")]
    public async Task An_unknown_claim_of_a_real_sale_answers_claim_not_found(string claimId)
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1);

        var response = await app.Storefront.Http.GetAsync($"/sales/{sale.SaleId}/claims/{claimId}");

        await ProblemAssert.HasAsync(response, HttpStatusCode.NotFound, "claim_not_found");
    }

    private static Task AssertNotFoundAsync(HttpResponseMessage response) =>
        ProblemAssert.HasAsync(response, HttpStatusCode.NotFound, "sale_not_found");
}
