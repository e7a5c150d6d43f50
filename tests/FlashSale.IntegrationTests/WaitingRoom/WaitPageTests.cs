using System.Net;
using System.Text.RegularExpressions;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// The waiting page (CONTRACT.md, Waiting room: <c>GET /sales/{saleId}/wait</c>) as a browser fetches it, without a key:
/// the ticket's state, the pace of its refresh, the redirect with the token, and the refusals.
/// </summary>
public abstract partial class WaitPageTests(ServiceFixture app)
{
    private const string Return = ServiceFixture.WaitPageShop + "/checkout?item=sneaker#top";

    [Fact]
    public async Task Before_the_start_the_page_shows_the_pre_queue_and_refreshes_at_the_pace_asked()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 7, startsIn: TimeSpan.FromMinutes(5));
        var ticket = (await QueueSteps.JoinAsync(app.Storefront, saleId, "page-early")).Ticket;

        var page = await GetAsync(saleId, ticket.TicketId, Return);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("prequeue", State(page.Html));
        Assert.Equal("at the start", Field(page.Html, "position"));
        Assert.Equal("7", Field(page.Html, "remaining"));
        Assert.Equal($"{ticket.PollAfterSeconds}", Refresh(page.Html));
        // The ticket id in the address is the buyer's secret: no referrer carries it away, nothing caches it.
        Assert.Equal("no-referrer", page.Response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("no-store", page.Response.Headers.CacheControl!.ToString());
        Assert.Contains("default-src 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("<script", page.Html);
    }

    [Fact]
    public async Task In_line_the_page_shows_the_place_the_people_ahead_and_the_wait()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 20, outflowPerMinute: 1);
        var tickets = new List<Ticket>();
        for (var i = 0; i < 4; i++) tickets.Add((await QueueSteps.JoinAsync(app.Storefront, saleId, $"page-line-{i}")).Ticket);
        await QueueSteps.AdmittedAsync(app.Storefront, saleId, tickets[0].TicketId);

        var poll = await QueueSteps.PollAsync(app.Storefront, saleId, tickets[^1].TicketId);
        var page = await GetAsync(saleId, tickets[^1].TicketId, Return);
        // The first is let in; the two between it and the last are ahead, and one a minute is 3 minutes for the last.
        Assert.Equal(("waiting", "4", "2"), (State(page.Html), Field(page.Html, "position"), Field(page.Html, "ahead")));
        Assert.Equal((2, 180), (poll.AheadOfYou, poll.EtaSeconds));
        Assert.Equal("about 3 min", Field(page.Html, "eta"));
        Assert.Equal($"{poll.PollAfterSeconds}", Refresh(page.Html));
    }

    [Fact]
    public async Task Once_admitted_the_page_sends_the_buyer_back_with_the_token_that_claims()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 3);
        var ticket = (await QueueSteps.JoinAsync(app.Storefront, saleId, "page-admitted")).Ticket;
        await QueueSteps.AdmittedAsync(app.Storefront, saleId, ticket.TicketId);

        var page = await GetAsync(saleId, ticket.TicketId, Return);
        Assert.Equal("admitted", State(page.Html));
        var target = new Uri(WebUtility.HtmlDecode(RedirectUrl().Match(page.Html).Groups[1].Value));
        Assert.Equal((ServiceFixture.WaitPageShop, "/checkout", "#top"), (target.GetLeftPart(UriPartial.Authority), target.AbsolutePath, target.Fragment));
        var query = System.Web.HttpUtility.ParseQueryString(target.Query);
        Assert.Equal("sneaker", query["item"]);
        var token = query["flashsale_admission"];
        Assert.False(string.IsNullOrEmpty(token));
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "page-admitted", token)).StatusCode);

        var used = await GetAsync(saleId, ticket.TicketId, Return);
        Assert.Equal("used", State(used.Html));
        Assert.Null(Refresh(used.Html));
        Assert.DoesNotContain("flashsale_admission", used.Html);
    }

    [Fact]
    public async Task Sold_out_is_on_the_page_and_it_keeps_refreshing_for_units_that_come_back()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 1, outflowPerMinute: 1);
        var first = (await QueueSteps.JoinAsync(app.Storefront, saleId, "page-last-unit")).Ticket;
        var waiting = (await QueueSteps.JoinAsync(app.Storefront, saleId, "page-too-late")).Ticket;
        var admitted = await QueueSteps.AdmittedAsync(app.Storefront, saleId, first.TicketId);
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "page-last-unit", admitted.AdmissionToken)).StatusCode);

        string html = "";
        await Eventually.True(async () => State(html = (await GetAsync(saleId, waiting.TicketId, Return)).Html) == "sold_out",
            TimeSpan.FromSeconds(5), "the waiting buyer's page says sold out");
        Assert.Equal(("2", "0"), (Field(html, "position"), Field(html, "remaining")));
        Assert.NotNull(Refresh(html));
    }

    [Fact]
    public async Task A_return_outside_the_storefront_origins_is_refused_and_an_unknown_ticket_is_a_404_page()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 3);
        var ticket = (await QueueSteps.JoinAsync(app.Storefront, saleId, "page-refusals")).Ticket;
        await QueueSteps.AdmittedAsync(app.Storefront, saleId, ticket.TicketId);
        foreach (var bad in new[] { "https://evil.example/checkout", "https://shop.example.evil.example/", "http://shop.example/",
                     "https://user@shop.example/", "javascript:alert(1)", "/checkout", "" })
            await ProblemAssert.InvalidAsync((await GetAsync(saleId, ticket.TicketId, bad)).Response, "return");
        await ProblemAssert.InvalidAsync(await app.NewClient(null).Http.GetAsync($"/sales/{saleId}/wait?ticket={ticket.TicketId}"), "return");

        foreach (var (sale, unknown) in new[] { (saleId, "tkt_AAAAAAAAAAAAAAAAAAAAAA"), (saleId, "nope"), (Unique.SaleId(), ticket.TicketId), ("bad id", ticket.TicketId) })
        {
            var page = await GetAsync(sale, unknown, Return);
            Assert.Equal(HttpStatusCode.NotFound, page.Status);
            Assert.Equal("text/html", page.Response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("not_found", State(page.Html));
        }
        // Looking changes nothing: the ticket is still admitted, its token unused.
        Assert.Equal("admitted", (await QueueSteps.PollAsync(app.Storefront, saleId, ticket.TicketId)).Status);
        Assert.Equal("admitted", State((await GetAsync(saleId, ticket.TicketId, Return)).Html));
    }

    private async Task<(HttpStatusCode Status, string Html, HttpResponseMessage Response)> GetAsync(string saleId, string ticketId, string returnTo)
    {
        var response = await app.NewClient(null).Http.GetAsync(
            $"/sales/{Uri.EscapeDataString(saleId)}/wait?ticket={Uri.EscapeDataString(ticketId)}&return={Uri.EscapeDataString(returnTo)}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static string? State(string html) => BodyState().Match(html) is { Success: true } m ? m.Groups[1].Value : null;

    private static string? Field(string html, string field) =>
        Regex.Match(html, $"data-field=\"{field}\">([^<]*)<") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    private static string? Refresh(string html) => RefreshSeconds().Match(html) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("<body data-state=\"([a-z_]+)\"")] private static partial Regex BodyState();
    [GeneratedRegex("<meta http-equiv=\"refresh\" content=\"(\\d+)\">")] private static partial Regex RefreshSeconds();
    [GeneratedRegex("<meta http-equiv=\"refresh\" content=\"0; url=([^\"]+)\">")] private static partial Regex RedirectUrl();
}

[Collection(ServiceCollection.Name)]
public sealed class WaitPageTestsOnSingleNode(ServiceFixture app) : WaitPageTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class WaitPageTestsOnCluster(ClusterServiceFixture app) : WaitPageTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class WaitPageTestsBehindSentinels(SentinelServiceFixture app) : WaitPageTests(app);
