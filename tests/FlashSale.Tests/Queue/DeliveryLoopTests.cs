using System.Collections.Concurrent;
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
/// The worker's loop over the real Redis Streams transport: with several rounds in flight the next batch is
/// received while earlier ones are still being handled, never more rounds than allowed, and every claim is
/// handled and acknowledged once.
/// </summary>
public abstract class DeliveryLoopTests(string configuration) : IAsyncLifetime
{
    private const string Group = "loop-workers";
    private QueueConnection _redis = null!;
    private readonly List<string> _sales = [];

    public async Task InitializeAsync() => _redis = await QueueConnection.ConnectAsync(configuration);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Rounds_overlap_up_to_the_limit_and_every_claim_is_handled_once(int roundsInFlight)
    {
        var saleId = await SaleWithClaimsAsync(80);
        var transport = new RedisStreamTransport(_redis.Multiplexer, _redis.ActiveSales, TestRedis.NoReplicaWait, new RedisScripts(), Options.Create(new QueueOptions
        {
            ConsumerGroup = Group, IdlePoll = TimeSpan.FromMilliseconds(10), ReclaimAfter = TimeSpan.FromMinutes(1),
        }), TimeProvider.System, NullLogger<RedisStreamTransport>.Instance);
        var handled = new ConcurrentDictionary<string, int>();
        var inFlight = 0;
        var mostInFlight = 0;
        // The first rounds hold until as many are in flight as allowed: only a loop that overlaps them gets past.
        var allOverlapping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var loop = DeliveryLoop.RunAsync(transport, batchSize: 10, async (batch, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            if (now == roundsInFlight) allOverlapping.TrySetResult();
            await allOverlapping.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);
            foreach (var d in batch) handled.AddOrUpdate(d.Message!.ClaimId, 1, (_, n) => n + 1);
            Interlocked.Decrement(ref inFlight);
            await transport.AcknowledgeAsync(batch, ct);
        }, TimeProvider.System, NullLogger.Instance, stop.Token,
            stop: () => handled.Count == 80, roundsInFlight: roundsInFlight);
        await loop;

        Assert.True(allOverlapping.Task.IsCompletedSuccessfully, $"{roundsInFlight} rounds were in flight at once");
        Assert.Equal(roundsInFlight, mostInFlight);
        Assert.Equal(80, handled.Count);
        Assert.All(handled.Values, n => Assert.Equal(1, n));
        Assert.Equal(0, await _redis.Db.StreamLengthAsync(new SaleKeys(saleId).Queue));
    }

    private async Task<string> SaleWithClaimsAsync(int count)
    {
        var saleId = Ids.NewSaleId();
        _sales.Add(saleId);
        var db = _redis.Db;
        var queue = new SaleKeys(saleId).Queue;
        await db.StreamCreateConsumerGroupAsync(queue, Group, "0-0", createStream: true);
        for (var i = 0; i < count; i++)
            await QueueRedis.AddEntryAsync(db, new ClaimMessage(Ids.NewClaimId(), saleId, $"loop-user-{i}", 1, "pm_card_visa", DateTimeOffset.UtcNow));
        await _redis.ActiveSales.AddAsync(saleId);
        return saleId;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    public async Task DisposeAsync()
    {
        await QueueRedis.RemoveSalesAsync(_redis, _sales);
        await _redis.DisposeAsync();
    }
}

public sealed class DeliveryLoopTestsOnSingleNode() : DeliveryLoopTests(TestRedis.SingleNode);

public sealed class DeliveryLoopTestsOnCluster() : DeliveryLoopTests(TestRedis.Cluster);

public sealed class DeliveryLoopTestsBehindSentinels() : DeliveryLoopTests(TestRedis.Sentinel);
