using FlashSale.Service.Pool;
using FlashSale.Tests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.Tests.Scripts;

/// <summary>
/// lua/queue_outflow.lua: several edges ticking one room at once admit, together, at the room's rate, and a new rate
/// (PATCH) applies from the next tick. Measured by Redis's own admission times, so a slow machine cannot fake it.
/// </summary>
public abstract class QueueOutflowRateTests(RedisFixture redis)
{
    [Fact]
    public async Task Four_edges_together_admit_at_the_rate_and_a_new_rate_applies_at_once()
    {
        var (sale, room) = await TestRooms.LiveAsync(redis, stock: 100_000, outflowPerMinute: 6_000);
        await Task.WhenAll(Enumerable.Range(0, 3000).Chunk(100).Select(async users =>
        {
            foreach (var u in users) await room.JoinAsync(sale, $"rate-{u}", FlashSale.Core.Ids.NewTicketId());
        }));

        var first = await TickForAsync(room, sale.SaleId, TimeSpan.FromSeconds(3));
        await room.SetOutflowAsync(sale.SaleId, 18_000);
        var second = await TickForAsync(room, sale.SaleId, TimeSpan.FromSeconds(3));

        var batches = (await redis.Db.SortedSetRangeByScoreWithScoresAsync(new SaleKeys(sale.SaleId).Admissions))
            .Select(e => (At: long.Parse(((string)e.Element!).Split(':')[0]), Score: e.Score)).ToArray();
        AssertRate(batches, first, 6_000);
        AssertRate(batches, second, 18_000);
    }

    // Admitted per minute between the first and the last batch of a phase, beside the rate: within 5 %.
    private static void AssertRate((long At, double Score)[] batches, (long From, long To) phase, int perMinute)
    {
        var inPhase = batches.Where(b => b.At >= phase.From && b.At <= phase.To).ToArray();
        Assert.True(inPhase.Length > 10, $"only {inPhase.Length} batches");
        // Arrivals after the start are scored 2^32 + 1, 2, ...: the difference of two thresholds counts the tickets between.
        var admitted = inPhase[^1].Score - inPhase[0].Score;
        var expected = (inPhase[^1].At - inPhase[0].At) * perMinute / 60_000d;
        Assert.True(Math.Abs(admitted - expected) <= expected * 0.05 + 1, $"{admitted} admitted, {expected:0} expected at {perMinute}/min");
    }

    private async Task<(long From, long To)> TickForAsync(Service.WaitingRoom.QueueRoom room, string saleId, TimeSpan span)
    {
        var from = await redis.RedisNowMsAsync(saleId);
        using var stop = new CancellationTokenSource(span);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                await room.TickAsync(saleId, TimeSpan.FromSeconds(2));
                await Task.Delay(10);
            }
        }));
        return (from, await redis.RedisNowMsAsync(saleId));
    }
}

[Collection(RedisCollection.Name)]
public sealed class QueueOutflowRateTestsOnSingleNode(SingleNodeRedis redis) : QueueOutflowRateTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class QueueOutflowRateTestsOnCluster(ClusterRedis redis) : QueueOutflowRateTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class QueueOutflowRateTestsBehindSentinels(SentinelRedis redis) : QueueOutflowRateTests(redis);
