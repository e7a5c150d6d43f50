using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>Tickets (CONTRACT.md, Waiting room): one per user, no place before the start, bad input refused.</summary>
public abstract class QueueTicketTests(ServiceFixture app)
{
    [Fact]
    public async Task A_user_gets_one_ticket_and_no_place_before_the_start()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5, startsIn: TimeSpan.FromMinutes(5));
        var (first, ticket) = await QueueSteps.JoinAsync(app.Storefront, saleId, "early-1");
        var (again, same) = await QueueSteps.JoinAsync(app.Storefront, saleId, "early-1");
        var (_, other) = await QueueSteps.JoinAsync(app.Storefront, saleId, "early-2");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first, again));
        Assert.Equal(ticket.TicketId, same.TicketId);
        Assert.NotEqual(ticket.TicketId, other.TicketId);
        foreach (var t in new[] { ticket, same, other, await QueueSteps.PollAsync(app.Storefront, saleId, ticket.TicketId) })
            Assert.Equal(("waiting", null, null, null, false), (t.Status, t.Position, t.AheadOfYou, t.AdmissionToken, t.SoldOut));
        Assert.True(ticket.PollAfterSeconds >= 1);
        Assert.Equal(2, await QueueWaitingAsync(saleId));
    }

    [Fact]
    public async Task Bad_input_is_a_problem_and_takes_no_ticket()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5, startsIn: TimeSpan.FromMinutes(5));
        await ProblemAssert.InvalidAsync(await app.Storefront.PostJsonAsync($"/sales/{saleId}/queue", new { userId = "bad user" }), "userId");
        await ProblemAssert.InvalidAsync(await app.Storefront.PostJsonAsync($"/sales/{saleId}/queue", new { }), "userId");
        await ProblemAssert.InvalidAsync(await app.Storefront.PostJsonAsync($"/sales/{saleId}/queue", new { userId = "u-1", quantity = 1 }));
        await ProblemAssert.InvalidAsync(await app.Storefront.PostRawAsync($"/sales/{saleId}/queue", "{\"userId\":"));
        await ProblemAssert.HasAsync(await app.Storefront.Http.GetAsync($"/sales/{saleId}/queue/tkt_nope"), HttpStatusCode.NotFound, "ticket_not_found");
        await ProblemAssert.HasAsync(await app.Storefront.Http.GetAsync($"/sales/{saleId}/queue/tkt_AAAAAAAAAAAAAAAAAAAAAA"), HttpStatusCode.NotFound, "ticket_not_found");
        await ProblemAssert.HasAsync(await app.Storefront.PostJsonAsync($"/sales/{Unique.SaleId()}/queue", new { userId = "u-1" }), HttpStatusCode.NotFound, "sale_not_found");
        await ProblemAssert.HasAsync(await app.Admin.PostJsonAsync($"/sales/{saleId}/queue", new { userId = "u-1" }), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, await QueueWaitingAsync(saleId));

        var plain = await app.Admin.LiveSaleAsync(stock: 5);
        await ProblemAssert.HasAsync(await app.Storefront.PostJsonAsync($"/sales/{plain.SaleId}/queue", new { userId = "u-1" }), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_queue_is_closed_before_it_opens()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5, startsIn: TimeSpan.FromMinutes(20), prequeueMinutes: 10, preload: false);
        await ProblemAssert.HasAsync(await app.Storefront.PostJsonAsync($"/sales/{saleId}/queue", new { userId = "too-early" }), HttpStatusCode.Conflict, "sale_not_started");
    }

    private async Task<int> QueueWaitingAsync(string saleId)
    {
        var sale = await app.Admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/admin/sales/{saleId}");
        return sale.GetProperty("counts").GetProperty("queueWaiting").GetInt32();
    }
}

[Collection(ServiceCollection.Name)]
public sealed class QueueTicketTestsOnSingleNode(ServiceFixture app) : QueueTicketTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class QueueTicketTestsOnCluster(ClusterServiceFixture app) : QueueTicketTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class QueueTicketTestsBehindSentinels(SentinelServiceFixture app) : QueueTicketTests(app);
