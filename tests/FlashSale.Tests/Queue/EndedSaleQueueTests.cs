using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>
/// Workers stop polling a sale's queue once nothing can arrive on it any more: drained, and the sale closed or
/// ended (with a minute's grace for edges whose clocks lag). A queue that still holds claims is never forgotten.
/// </summary>
public abstract class EndedSaleQueueTests(string configuration) : IAsyncLifetime
{
    private const string Group = "ended-workers";
    private QueueConnection _redis = null!;
    private readonly List<string> _sales = [];

    private IDatabase Db => _redis.Db;

    public async Task InitializeAsync() => _redis = await QueueConnection.ConnectAsync(configuration);

    [Fact]
    public async Task Drained_queues_of_ended_or_closed_sales_are_forgotten_and_the_others_kept()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var endedLongAgo = await SaleAsync("open", endsAtMs: now - 120_000, entries: 0);
        var closed = await SaleAsync("closed", endsAtMs: now + 3_600_000, entries: 0);
        var endedJustNow = await SaleAsync("open", endsAtMs: now - 1_000, entries: 0);
        var live = await SaleAsync("open", endsAtMs: now + 3_600_000, entries: 0);
        var endedWithClaimsLeft = await SaleAsync("open", endsAtMs: now - 120_000, entries: 3);
        var transport = new RedisStreamTransport(_redis.Multiplexer, _redis.ActiveSales, TestRedis.NoReplicaWait, new RedisScripts(), Options.Create(new QueueOptions
        {
            ConsumerGroup = Group, IdlePoll = TimeSpan.FromMilliseconds(10), ReclaimAfter = TimeSpan.FromMilliseconds(200),
        }), TimeProvider.System, NullLogger<RedisStreamTransport>.Instance);

        var received = new List<ClaimDelivery>();
        await Eventually.True(async () =>
        {
            foreach (var batch in await transport.ReceiveAsync(10, CancellationToken.None)) received.AddRange(batch);
            return !await _redis.ActiveSales.ContainsAsync(endedLongAgo) && !await _redis.ActiveSales.ContainsAsync(closed);
        }, TimeSpan.FromSeconds(10), "the drained queues of the ended and the closed sale are forgotten");

        Assert.True(await _redis.ActiveSales.ContainsAsync(endedJustNow), "within the grace an ended sale is still polled");
        Assert.True(await _redis.ActiveSales.ContainsAsync(live));
        Assert.True(await _redis.ActiveSales.ContainsAsync(endedWithClaimsLeft), "claims still wait on it");
        // (Unacknowledged past ReclaimAfter, they may have come back to this same consumer: count them once.)
        Assert.Equal(3, received.Where(d => d.SaleId == endedWithClaimsLeft).Select(d => d.Token).Distinct().Count());

        // Once its claims are handled, the ended sale's queue goes too.
        await transport.AcknowledgeAsync(received, CancellationToken.None);
        await Eventually.True(async () =>
        {
            await transport.ReceiveAsync(10, CancellationToken.None);
            return !await _redis.ActiveSales.ContainsAsync(endedWithClaimsLeft);
        }, TimeSpan.FromSeconds(10), "the ended sale's queue is forgotten once drained");
        Assert.True(await _redis.ActiveSales.ContainsAsync(live));
    }

    private async Task<string> SaleAsync(string status, long endsAtMs, int entries)
    {
        var saleId = Ids.NewSaleId();
        _sales.Add(saleId);
        var keys = new SaleKeys(saleId);
        await Db.HashSetAsync(keys.Meta, [new("status", status), new("endsAt", endsAtMs)]);
        await Db.StreamCreateConsumerGroupAsync(keys.Queue, Group, "0-0", createStream: true);
        for (var i = 0; i < entries; i++)
            await QueueRedis.AddEntryAsync(Db, new ClaimMessage(Ids.NewClaimId(), saleId, $"ended-user-{i}", 1, "pm_card_visa",
                DateTimeOffset.FromUnixTimeMilliseconds(endsAtMs - 1_000)));
        await _redis.ActiveSales.AddAsync(saleId);
        return saleId;
    }

    public async Task DisposeAsync()
    {
        await QueueRedis.RemoveSalesAsync(_redis, _sales);
        await _redis.DisposeAsync();
    }
}

public sealed class EndedSaleQueueTestsOnSingleNode() : EndedSaleQueueTests(TestRedis.SingleNode);

public sealed class EndedSaleQueueTestsOnCluster() : EndedSaleQueueTests(TestRedis.Cluster);

public sealed class EndedSaleQueueTestsBehindSentinels() : EndedSaleQueueTests(TestRedis.Sentinel);
