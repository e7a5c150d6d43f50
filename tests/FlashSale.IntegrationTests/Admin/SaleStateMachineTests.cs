using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>preload / pause / resume / close (CONTRACT.md, Admin) and what each state answers a claim.</summary>
[Collection(ServiceCollection.Name)]
public sealed class SaleStateMachineTests(ServiceFixture app)
{
    [Fact]
    public async Task Preload_pause_resume_close_move_the_sale_and_claims_follow()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku());
        Assert.Equal("scheduled", sale.Status);

        // startsAt is in the past, so a preloaded sale is live.
        Assert.Equal("live", await ActAsync(sale.SaleId, "preload"));
        Assert.Equal("live", await StatusAsync(sale.SaleId));

        Assert.Equal("paused", await ActAsync(sale.SaleId, "pause"));
        Assert.Equal("paused", await StatusAsync(sale.SaleId));
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_paused");

        Assert.Equal("live", await ActAsync(sale.SaleId, "resume"));
        Assert.Equal("live", await StatusAsync(sale.SaleId));
        var buyer = Unique.User("buyer");
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, buyer)).StatusCode);

        Assert.Equal("closed", await ActAsync(sale.SaleId, "close"));
        Assert.Equal("closed", await StatusAsync(sale.SaleId));
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_ended");
        Assert.Equal("closed", (await app.Storefront.Http.GetFromJsonAsync<PublicSale>($"/sales/{sale.SaleId}", FlashSaleClient.Json))!.Status);
    }

    [Fact]
    public async Task Resume_of_a_live_sale_is_an_invalid_transition()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);

        await AssertInvalidAsync(sale.SaleId, "resume", stays: "live");
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, Unique.User())).StatusCode);
    }

    [Fact]
    public async Task Pause_of_a_scheduled_sale_is_an_invalid_transition()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));

        await AssertInvalidAsync(sale.SaleId, "pause", stays: "scheduled");
    }

    [Fact]
    public async Task Preload_of_a_closed_sale_is_an_invalid_transition()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        Assert.Equal("closed", await ActAsync(sale.SaleId, "close"));

        await AssertInvalidAsync(sale.SaleId, "preload", stays: "closed");
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_ended");
    }

    [Fact]
    public async Task Preload_of_a_closed_sale_that_was_never_preloaded_is_an_invalid_transition()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, sku: Unique.Sku(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));
        Assert.Equal("closed", await ActAsync(sale.SaleId, "close"));

        await AssertInvalidAsync(sale.SaleId, "preload", stays: "closed");
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_ended");
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("pause")]
    public async Task Resume_or_pause_of_a_closed_sale_is_an_invalid_transition(string action)
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        Assert.Equal("closed", await ActAsync(sale.SaleId, "close"));

        await AssertInvalidAsync(sale.SaleId, action, stays: "closed");
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_ended");
    }

    [Fact]
    public async Task Preload_twice_does_not_reset_the_remaining_stock()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5, perUserLimit: 2);
        var buyer = Unique.User("buyer");
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, buyer, quantity: 2)).StatusCode);

        Assert.Equal("live", await ActAsync(sale.SaleId, "preload"));

        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((5, 3, 2), (counts.Stock, counts.Remaining, counts.Admitted));
        // The buyer's claim survived the second preload: a repeat is still a repeat.
        Assert.Equal(HttpStatusCode.OK, (await app.Storefront.ClaimAsync(sale.SaleId, buyer, quantity: 2)).StatusCode);
    }

    [Fact]
    public async Task Preload_of_a_paused_sale_does_not_reopen_it()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        Assert.Equal("paused", await ActAsync(sale.SaleId, "pause"));

        var response = await app.Admin.ActionAsync(sale.SaleId, "preload");

        // Either refused or a no-op: never a way around the pause.
        if (!response.IsSuccessStatusCode) await ProblemAssert.HasAsync(response, HttpStatusCode.Conflict, "invalid_transition");
        Assert.Equal("paused", await StatusAsync(sale.SaleId));
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(sale.SaleId, Unique.User()), HttpStatusCode.Conflict, "sale_paused");
    }

    private async Task AssertInvalidAsync(string saleId, string action, string stays)
    {
        await ProblemAssert.HasAsync(await app.Admin.ActionAsync(saleId, action), HttpStatusCode.Conflict, "invalid_transition");
        Assert.Equal(stays, await StatusAsync(saleId));
    }

    private async Task<string> ActAsync(string saleId, string action)
    {
        var response = await app.Admin.ActionAsync(saleId, action);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<SaleView>(FlashSaleClient.Json))!.Status;
    }

    private async Task<string> StatusAsync(string saleId) => (await app.Admin.GetSaleAsync(saleId)).Status;

    private sealed record PublicSale(string SaleId, string Status, int Remaining);
}
