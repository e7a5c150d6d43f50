using System.Net;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.WaitingRoom;
using Microsoft.Playwright;

namespace FlashSale.IntegrationTests.AdminUi;

/// <summary>/admin/ui in a real headless Chromium: live numbers, and pause/resume in one click.</summary>
[Collection(ServiceCollection.Name)]
public sealed class AdminPageTests(ServiceFixture app)
{
    [Fact]
    public async Task The_page_asks_for_the_admin_key_and_refuses_the_storefront_key()
    {
        var anonymous = await app.NewClient(null).Http.GetAsync("/admin/ui");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Storefront.Http.GetAsync("/admin/ui")).StatusCode);
        var page = await app.Admin.Http.GetAsync("/admin/ui");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_merchant_sees_a_sale_live_and_pauses_and_resumes_it_from_the_page()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 10);
        foreach (var user in new[] { "ui-1", "ui-2", "ui-3" })
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, user)).StatusCode);

        await using var browser = await HeadlessChromium.LaunchAsync(new()
        {
            BaseURL = app.Admin.Http.BaseAddress!.ToString(),
            HttpCredentials = new() { Username = "admin", Password = ServiceFixture.AdminKey },
            ViewportSize = new() { Width = 1280, Height = 480 },
        });
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync("/admin/ui");

        var row = page.Locator($"tr[data-sale='{sale.SaleId}']");
        await row.Locator("[data-field=remaining]").Filter(new() { HasText = "7" }).WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal("3", await row.Locator("[data-field=admitted]").TextContentAsync());
        await Eventually.True(async () => await row.Locator("[data-field=paid]").TextContentAsync() == "3",
            TimeSpan.FromSeconds(30), "the page shows the three claims paid");
        Directory.CreateDirectory(Path.Combine(Repo.Root, "TestResults"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Repo.Root, "TestResults", "admin-ui.png"), FullPage = true });

        await row.Locator("button[data-action=pause]").ClickAsync();
        await row.Locator("[data-field=status]").Filter(new() { HasText = "paused" }).WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal("paused", (await app.Admin.GetSaleAsync(sale.SaleId)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Storefront.ClaimAsync(sale.SaleId, "ui-4")).StatusCode);

        await row.Locator("button[data-action=resume]").ClickAsync();
        await row.Locator("[data-field=status]").Filter(new() { HasText = "live" }).WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "ui-4")).StatusCode);
    }

    // One node: the page only calls the admin API, whose counts the waiting-room tests check on every topology.
    [Fact]
    public async Task A_merchant_sees_a_waiting_room_and_changes_its_outflow_from_the_page()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 10, outflowPerMinute: 1);
        var first = (await QueueSteps.JoinAsync(app.Storefront, saleId, "ui-room-1")).Ticket;
        foreach (var user in new[] { "ui-room-2", "ui-room-3" }) await QueueSteps.JoinAsync(app.Storefront, saleId, user);
        var admitted = await QueueSteps.AdmittedAsync(app.Storefront, saleId, first.TicketId);
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "ui-room-1", admitted.AdmissionToken)).StatusCode);

        await using var browser = await HeadlessChromium.LaunchAsync(new()
        {
            BaseURL = app.Admin.Http.BaseAddress!.ToString(),
            HttpCredentials = new() { Username = "admin", Password = ServiceFixture.AdminKey },
            ViewportSize = new() { Width = 1280, Height = 720 },
        });
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync("/admin/ui");

        var room = page.Locator($"tr[data-room='{saleId}']");
        await room.Locator("[data-field=used]").Filter(new() { HasText = "1" }).WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal(("2", "1", "1"), (await room.Locator("[data-field=waiting]").TextContentAsync(),
            await room.Locator("[data-field=admitted]").TextContentAsync(), await room.Locator("[data-field=outflow]").TextContentAsync()));

        // Typed across a refresh: the page must not wipe the field while the merchant types.
        var stamp = await page.Locator("#updated").TextContentAsync();
        await room.Locator("[data-field=new-rate]").FillAsync("60000");
        await page.WaitForFunctionAsync("s => document.getElementById('updated').textContent !== s", stamp, new() { Timeout = 15_000 });
        Assert.Equal("60000", await room.Locator("[data-field=new-rate]").InputValueAsync());
        await room.Locator("button[data-action=set-outflow]").ClickAsync();
        await room.Locator("[data-field=outflow]").Filter(new() { HasText = "60000" }).WaitForAsync(new() { Timeout = 15_000 });
        // The new rate lets the two who waited in.
        await room.Locator("[data-field=admitted]").Filter(new() { HasText = "3" }).WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal("0", await room.Locator("[data-field=waiting]").TextContentAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Repo.Root, "TestResults", "admin-ui-waiting-room.png"), FullPage = true });
    }
}
