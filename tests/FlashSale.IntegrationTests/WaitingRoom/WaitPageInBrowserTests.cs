using System.Net;
using System.Web;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// The waiting page in a real headless Chromium at a phone's size: what a buyer sees before the start, in line and
/// sold out (the screenshots docs/waiting-room.md shows), and the page refreshing itself until it sends the buyer back
/// to the store with a token that claims. On one Redis node only: the page's answers on the cluster and behind
/// Sentinels are the same bytes, which <see cref="WaitPageTests"/> checks on all three.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class WaitPageInBrowserTests(ServiceFixture app)
{
    private const string Return = ServiceFixture.WaitPageShop + "/checkout";

    [Fact]
    public async Task A_buyer_sees_the_pre_queue_their_place_and_sold_out()
    {
        await using var browser = await LaunchAsync();
        var page = await browser.Context.NewPageAsync();

        var early = await QueueSteps.CreateAsync(app.Admin, stock: 1000, startsIn: TimeSpan.FromMinutes(5));
        var ticket = (await QueueSteps.JoinAsync(app.Storefront, early, "browser-early")).Ticket;
        await page.GotoAsync(WaitUrl(early, ticket.TicketId));
        await page.GetByText("You are in the queue").WaitForAsync();
        Assert.Equal("at the start", await page.Locator("[data-field=position]").TextContentAsync());
        await ScreenshotAsync(page, "wait-page-prequeue.png");

        var line = await QueueSteps.CreateAsync(app.Admin, stock: 1000, outflowPerMinute: 1);
        var tickets = new List<Ticket>();
        for (var i = 0; i < 5; i++) tickets.Add((await QueueSteps.JoinAsync(app.Storefront, line, $"browser-line-{i}")).Ticket);
        await QueueSteps.AdmittedAsync(app.Storefront, line, tickets[0].TicketId);
        await page.GotoAsync(WaitUrl(line, tickets[^1].TicketId));
        await page.GetByText("You are in line").WaitForAsync();
        Assert.Equal(("5", "3", "1,000"), (await page.Locator("[data-field=position]").TextContentAsync(),
            await page.Locator("[data-field=ahead]").TextContentAsync(), await page.Locator("[data-field=remaining]").TextContentAsync()));
        await ScreenshotAsync(page, "wait-page-in-line.png");

        var last = await QueueSteps.CreateAsync(app.Admin, stock: 1, outflowPerMinute: 1);
        var winner = (await QueueSteps.JoinAsync(app.Storefront, last, "browser-winner")).Ticket;
        var late = (await QueueSteps.JoinAsync(app.Storefront, last, "browser-late")).Ticket;
        var admitted = await QueueSteps.AdmittedAsync(app.Storefront, last, winner.TicketId);
        await page.GotoAsync(WaitUrl(last, late.TicketId));
        await page.GetByText("You are in line").WaitForAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, last, "browser-winner", admitted.AdmissionToken)).StatusCode);
        // The page was opened before the last unit went: it finds out by refreshing itself.
        await page.GetByRole(AriaRole.Heading, new() { Name = "Sold out" }).WaitForAsync(new() { Timeout = 30_000 });
        await ScreenshotAsync(page, "wait-page-sold-out.png");
    }

    [Fact]
    public async Task The_page_refreshes_itself_from_the_pre_queue_and_sends_the_buyer_back_with_a_token_that_claims()
    {
        await using var browser = await LaunchAsync();
        var page = await browser.Context.NewPageAsync();
        // Nothing serves the storefront: the browser is answered here, and the address it was sent to is kept.
        await page.RouteAsync(ServiceFixture.WaitPageShop + "/**", route => route.FulfillAsync(new() { Body = "<h1>The store</h1>", ContentType = "text/html" }));

        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 10, startsIn: TimeSpan.FromSeconds(4));
        var ticket = (await QueueSteps.JoinAsync(app.Storefront, saleId, "browser-returns")).Ticket;
        await page.GotoAsync(WaitUrl(saleId, ticket.TicketId));
        await page.GetByText("You are in the queue").WaitForAsync();

        await page.WaitForURLAsync(url => url.StartsWith(Return + "?"), new() { Timeout = 30_000 });
        await page.GetByText("The store").WaitForAsync();
        var token = HttpUtility.ParseQueryString(new Uri(page.Url).Query)["flashsale_admission"];
        Assert.False(string.IsNullOrEmpty(token), page.Url);
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "browser-returns", token)).StatusCode);
    }

    private string WaitUrl(string saleId, string ticketId) =>
        $"/sales/{saleId}/wait?ticket={ticketId}&return={Uri.EscapeDataString(Return)}";

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Path.Combine(Repo.Root, "TestResults"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Repo.Root, "TestResults", name), FullPage = true });
    }

    // A phone's screen: the page is meant to be read there.
    private Task<HeadlessChromium> LaunchAsync() => HeadlessChromium.LaunchAsync(new()
    {
        BaseURL = app.Storefront.Http.BaseAddress!.ToString(), ViewportSize = new() { Width = 390, Height = 640 }, IsMobile = true,
        DeviceScaleFactor = 2, HasTouch = true,
    });
}
