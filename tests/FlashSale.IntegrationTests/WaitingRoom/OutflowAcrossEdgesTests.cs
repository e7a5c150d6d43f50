using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// Two edges, each ticking the outflow on its own, admit together at the sale's rate (within 5 %), in queue order.
/// Measured by the admission batches' own times (Redis's clock), so a slow machine cannot make it pass or fail.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class OutflowAcrossEdgesTests
{
    [Fact]
    public async Task Two_edges_together_admit_at_the_rate_in_queue_order()
    {
        await using var schema = await TestSchema.CreateAsync();
        await using var first = await IsolatedService.StartAsync(schema: schema);
        await using var second = await IsolatedService.StartAsync(schema: schema);
        var saleId = await QueueSteps.CreateAsync(first.Admin, stock: 1000, startsIn: TimeSpan.FromSeconds(4), outflowPerMinute: 3000);
        var tickets = new List<string>();
        for (var i = 0; i < 400; i++)
            tickets.Add((await QueueSteps.JoinAsync(i % 2 == 0 ? first.Storefront : second.Storefront, saleId, $"edge-{i}")).Ticket.TicketId);

        var keys = new SaleKeys(saleId);
        (long At, double Score)[] batches = [];
        await Eventually.True(async () =>
        {
            batches = (await first.Redis.SortedSetRangeByScoreWithScoresAsync(keys.Admissions))
                .Select(e => (long.Parse(((string)e.Element!).Split(':')[0]), e.Score)).ToArray();
            return batches.Length > 1 && batches[^1].At - batches[0].At >= 4000;
        }, TimeSpan.FromSeconds(30), "four seconds of admissions");

        // Pre-queue ranks are 0..399: the difference of two batches' last ranks counts the tickets let in between.
        var admitted = batches[^1].Score - batches[0].Score;
        var expected = (batches[^1].At - batches[0].At) * 3000 / 60_000d;
        Assert.True(Math.Abs(admitted - expected) <= expected * 0.05 + 1, $"{admitted} admitted in {batches[^1].At - batches[0].At} ms, {expected:0} expected");

        // In queue order. The cursor only moves forward, so polled from the back of the line to the front, once one
        // ticket is admitted every ticket polled after it (ahead of it) is admitted too.
        var places = await Task.WhenAll(tickets.Select(t => QueueSteps.PollAsync(first.Storefront, saleId, t)));
        var seenAdmitted = false;
        foreach (var ticket in places.OrderByDescending(p => p.Position))
        {
            var now = await QueueSteps.PollAsync(second.Storefront, saleId, ticket.TicketId);
            if (seenAdmitted) Assert.True(now.Status != "waiting", $"position {now.Position} waits behind an admitted ticket");
            seenAdmitted |= now.Status == "admitted";
        }
        Assert.True(seenAdmitted);
        var counts = (await first.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}")).GetProperty("counts");
        Assert.True(counts.GetProperty("queueAdmitted").GetInt32() >= (int)admitted);
        await schema.ForgetSalesAsync(first.Get<IConnectionMultiplexer>());
    }
}
