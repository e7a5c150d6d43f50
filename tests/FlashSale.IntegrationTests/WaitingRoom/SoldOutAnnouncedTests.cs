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

        var claimed = await QueueSteps.ClaimAsync(app.Storefront, saleId, "last-unit", admitted.AdmissionToken);
        Assert.Equal(HttpStatusCode.Accepted, claimed.StatusCode);
        // Sold out is "none can come back": announced once the last unit is paid, not while it is being paid for.
        var claimId = (await claimed.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(saleId, claimId)).Status == "paid", TimeSpan.FromSeconds(15), "the last unit is paid");
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

    [Fact]
    public async Task A_held_unit_is_not_sold_out_and_its_release_admits_the_next_in_line()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 1, outflowPerMinute: 60_000, checkout: Checkout.Hold());
        var holder = (await QueueSteps.JoinAsync(app.Storefront, saleId, "holder")).Ticket;
        var admitted = await QueueSteps.AdmittedAsync(app.Storefront, saleId, holder.TicketId);
        var held = await QueueSteps.ClaimAsync(app.Storefront, saleId, "holder", admitted.AdmissionToken, paymentMethodId: null);
        Assert.Equal(HttpStatusCode.Accepted, held.StatusCode);
        var claimId = (await held.Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!.ClaimId;
        var next = (await QueueSteps.JoinAsync(app.Storefront, saleId, "next-in-line")).Ticket;

        // No unit left now, but the held one may come back: the next buyer waits, not told sold out, not let in.
        var deadline = Stopwatch.StartNew();
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(saleId)).Counts!.Remaining == 0, TimeSpan.FromSeconds(5), "the unit is held");
        for (var polls = 0; polls < 5 || deadline.Elapsed < TimeSpan.FromSeconds(2); polls++)
        {
            var waiting = await QueueSteps.PollAsync(app.Storefront, saleId, next.TicketId);
            Assert.Equal(("waiting", false), (waiting.Status, waiting.SoldOut));
        }

        HttpResponseMessage released = null!;
        await Eventually.True(async () => (released = await app.Storefront.ReleaseAsync(saleId, claimId)).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), () => $"last answer {(int)released.StatusCode}", "the hold is given up once recorded");
        var offered = await QueueSteps.AdmittedAsync(app.Storefront, saleId, next.TicketId);
        Assert.False(offered.SoldOut);
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "next-in-line", offered.AdmissionToken, paymentMethodId: null)).StatusCode);
    }
}

[Collection(ServiceCollection.Name)]
public sealed class SoldOutAnnouncedTestsOnSingleNode(ServiceFixture app) : SoldOutAnnouncedTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class SoldOutAnnouncedTestsOnCluster(ClusterServiceFixture app) : SoldOutAnnouncedTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class SoldOutAnnouncedTestsBehindSentinels(SentinelServiceFixture app) : SoldOutAnnouncedTests(app);
