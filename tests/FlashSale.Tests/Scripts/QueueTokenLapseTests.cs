using FlashSale.Core;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// lua/queue_outflow.lua and queue_poll.lua: a ticket whose token lapsed unused goes back to the end of the line,
/// once; the second time it stays expired. (A one-second token: the API allows ten at least, the scripts any.)
/// </summary>
public abstract class QueueTokenLapseTests(RedisFixture redis)
{
    [Fact]
    public async Task A_lapsed_ticket_goes_to_the_end_once_then_expires()
    {
        var (sale, room) = await TestRooms.LiveAsync(redis, stock: 10, outflowPerMinute: 1, tokenSeconds: 1);
        var tickets = new List<string>();
        foreach (var user in new[] { "lapse-a", "lapse-b", "lapse-c" })
            tickets.Add((await room.JoinAsync(sale, user, Ids.NewTicketId())).TicketId);
        var (a, b, c) = (tickets[0], tickets[1], tickets[2]);

        // The room's first credit lets one in; at one a minute the others wait.
        Assert.Equal((1, 0), await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2)));
        Assert.Equal("admitted", (await room.PollAsync(sale.SaleId, a))!.Status);
        Assert.Equal(("waiting", 2L, 0L), Place(await room.PollAsync(sale.SaleId, b)));

        await Eventually.True(async () => (await room.PollAsync(sale.SaleId, a))!.Status == "expired", TimeSpan.FromSeconds(5), "a's token lapses");
        Assert.Equal((0, 1), await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2)));
        Assert.Equal(("waiting", 3L, 2L), Place(await room.PollAsync(sale.SaleId, a)));
        Assert.Equal(("waiting", 1L, 0L), Place(await room.PollAsync(sale.SaleId, b)));

        // Everyone in, in line order; their tokens lapse; b and c go back, a (back once already) is expired for good.
        await room.SetOutflowAsync(sale.SaleId, 6_000_000);
        await Eventually.True(async () => (await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2)))!.Value.Admitted > 0, TimeSpan.FromSeconds(5), "the rest are admitted");
        foreach (var t in tickets) Assert.Equal("admitted", (await room.PollAsync(sale.SaleId, t))!.Status);
        await Eventually.True(async () => (await room.PollAsync(sale.SaleId, a))!.Status == "expired", TimeSpan.FromSeconds(5), "the tokens lapse");
        await Eventually.True(async () => (await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2)))!.Value.Requeued > 0, TimeSpan.FromSeconds(5), "b and c go back");
        Assert.Equal("expired", (await room.PollAsync(sale.SaleId, a))!.Status);
        // Back in line (and, at this rate, let in again at once): anything but expired.
        foreach (var t in new[] { b, c }) Assert.NotEqual("expired", (await room.PollAsync(sale.SaleId, t))!.Status);
    }

    private static (string, long?, long?) Place(Service.WaitingRoom.TicketState? t) => (t!.Status, t.Position, t.AheadOfYou);
}

[Collection(RedisCollection.Name)]
public sealed class QueueTokenLapseTestsOnSingleNode(SingleNodeRedis redis) : QueueTokenLapseTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class QueueTokenLapseTestsOnCluster(ClusterRedis redis) : QueueTokenLapseTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class QueueTokenLapseTestsBehindSentinels(SentinelRedis redis) : QueueTokenLapseTests(redis);
