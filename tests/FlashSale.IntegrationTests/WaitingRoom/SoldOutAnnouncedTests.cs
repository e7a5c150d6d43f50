using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>Stock-aware (CONTRACT.md, Waiting room): waiting tickets are told sold out within a second of the last unit going.</summary>
public abstract class SoldOutAnnouncedTests(ServiceFixture app)
{
    [Fact]
    public async Task Waiting_tickets_turn_sold_out_within_a_second()
    {
        // One admission a minute: the first ticket is let in at once, the rest wait.
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 1, outflowPerMinute: 1);
        var first = (await QueueSteps.JoinAsync(app.Storefront, saleId, "last-unit")).Ticket;
        var waiting = new List<Ticket>();
        for (var i = 0; i < 5; i++) waiting.Add((await QueueSteps.JoinAsync(app.Storefront, saleId, $"waiter-{i}")).Ticket);
        var admitted = await QueueSteps.AdmittedAsync(app.Storefront, saleId, first.TicketId, TimeSpan.FromSeconds(70));

        var ahead = await QueueSteps.PollAsync(app.Storefront, saleId, waiting[^1].TicketId);
        Assert.Equal(("waiting", false), (ahead.Status, ahead.SoldOut));
        Assert.True(ahead.AheadOfYou >= 4 && ahead.EtaSeconds > 0, $"{ahead}");

        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "last-unit", admitted.AdmissionToken)).StatusCode);
        var soldAt = Stopwatch.StartNew();
        await Eventually.True(async () =>
        {
            var polls = await Task.WhenAll(waiting.Select(t => QueueSteps.PollAsync(app.Storefront, saleId, t.TicketId)));
            return polls.All(p => p.Status == "sold_out" && p.SoldOut);
        }, TimeSpan.FromSeconds(5), "every waiting ticket is sold out");
        Assert.True(soldAt.Elapsed < TimeSpan.FromSeconds(1), $"announced after {soldAt.Elapsed.TotalMilliseconds:0} ms");
        var counts = (await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}")).GetProperty("counts");
        Assert.Equal((5, 1, 1), (counts.GetProperty("queueWaiting").GetInt32(), counts.GetProperty("queueAdmitted").GetInt32(), counts.GetProperty("queueUsed").GetInt32()));
    }
}

[Collection(ServiceCollection.Name)]
public sealed class SoldOutAnnouncedTestsOnSingleNode(ServiceFixture app) : SoldOutAnnouncedTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class SoldOutAnnouncedTestsOnCluster(ClusterServiceFixture app) : SoldOutAnnouncedTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class SoldOutAnnouncedTestsBehindSentinels(SentinelServiceFixture app) : SoldOutAnnouncedTests(app);
