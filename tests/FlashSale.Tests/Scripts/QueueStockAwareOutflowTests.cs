using FlashSale.Core;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// lua/queue_outflow.lua, stock-aware: never more tokens out (admitted, neither used nor lapsed) than units left, at
/// any rate, so with every admitted buyer claiming the winners are the first tickets in line. A unit that comes back
/// and a token that lapses each let the next ticket in. (A three-second token: the API allows ten at least.)
/// </summary>
public abstract class QueueStockAwareOutflowTests(RedisFixture redis)
{
    [Fact]
    public async Task Tokens_out_never_exceed_the_units_left_and_each_one_freed_lets_the_next_in()
    {
        var (sale, room) = await TestRooms.LiveAsync(redis, stock: 3, outflowPerMinute: 6_000_000, tokenSeconds: 3);
        var tickets = new List<string>();
        for (var i = 0; i < 8; i++) tickets.Add((await room.JoinAsync(sale, $"aware-{i}", Ids.NewTicketId())).TicketId);

        // However fast the rate, three tokens for three units.
        await Eventually.True(async () => await AdmittedAsync(room, sale.SaleId, tickets) == 3, TimeSpan.FromSeconds(5), "three are let in");
        for (var i = 0; i < 10; i++) await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2));
        Assert.Equal(3, await AdmittedAsync(room, sale.SaleId, tickets));

        // The first claims: its unit is taken and its token used, so nothing is freed.
        var first = (await room.PollAsync(sale.SaleId, tickets[0]))!;
        var claim = await redis.Admit.RunAsync(sale.SaleId, "aware-0", 1, "pm_card_visa", Ids.NewClaimId(), $"{tickets[0]}|{first.TokenExpiresAtMs}");
        Assert.Equal("admitted", claim.Outcome);
        for (var i = 0; i < 5; i++) await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2));
        Assert.Equal("waiting", (await room.PollAsync(sale.SaleId, tickets[3]))!.Status);

        // Its unit comes back (a decline): the next ticket in line is let in, and only it.
        Assert.True(await redis.Pool.ReleaseAsync(sale.SaleId, claim.ClaimId, paymentFailed: true));
        await Eventually.True(async () =>
        {
            await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2));
            return (await room.PollAsync(sale.SaleId, tickets[3]))!.Status == "admitted";
        }, TimeSpan.FromSeconds(5), "the fourth is let in");
        Assert.Equal("waiting", (await room.PollAsync(sale.SaleId, tickets[4]))!.Status);

        // The unused tokens lapse: their tickets go to the end, and as many as lapsed are let in from the front.
        await Eventually.True(async () =>
        {
            await room.TickAsync(sale.SaleId, TimeSpan.FromSeconds(2));
            return (await room.PollAsync(sale.SaleId, tickets[6]))!.Status == "admitted";
        }, TimeSpan.FromSeconds(15), "the lapsed tokens let the next tickets in");
        // Still never more live tokens than units left.
        Assert.True(await AdmittedAsync(room, sale.SaleId, tickets) <= (await redis.Pool.CountsAsync(sale.SaleId))!.Remaining);
    }

    private static async Task<int> AdmittedAsync(Service.WaitingRoom.QueueRoom room, string saleId, List<string> tickets)
    {
        await room.TickAsync(saleId, TimeSpan.FromSeconds(2));
        var states = await Task.WhenAll(tickets.Select(t => room.PollAsync(saleId, t)));
        return states.Count(s => s!.Status == "admitted");
    }
}

[Collection(RedisCollection.Name)]
public sealed class QueueStockAwareOutflowTestsOnSingleNode(SingleNodeRedis redis) : QueueStockAwareOutflowTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class QueueStockAwareOutflowTestsOnCluster(ClusterRedis redis) : QueueStockAwareOutflowTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class QueueStockAwareOutflowTestsBehindSentinels(SentinelRedis redis) : QueueStockAwareOutflowTests(redis);
