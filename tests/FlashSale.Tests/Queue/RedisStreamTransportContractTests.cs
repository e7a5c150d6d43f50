using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>The transport contract on Redis Streams, the default transport, against each real Redis topology.</summary>
public abstract class RedisStreamTransportContractTests<TConnection>(TConnection redis)
    : ClaimTransportContract, IClassFixture<TConnection> where TConnection : RedisStreamTransportConnection
{
    private const string Group = "contract-workers";
    private readonly List<string> _sales = [];

    protected override async Task<string> PrepareSaleAsync()
    {
        // What preload does for the queue: the stream and its consumer group, then the sale becomes visible.
        var saleId = FlashSale.Core.Ids.NewSaleId();
        _sales.Add(saleId);
        await redis.Db.StreamCreateConsumerGroupAsync(new SaleKeys(saleId).Queue, Group, "0-0", createStream: true);
        await redis.Queue.ActiveSales.AddAsync(saleId);
        return saleId;
    }

    protected override async Task PublishAsync(IReadOnlyList<ClaimMessage> claims)
    {
        foreach (var c in claims) await QueueRedis.AddEntryAsync(redis.Db, c);
    }

    protected override Task PublishUnreadableAsync(string saleId) =>
        redis.Db.StreamAddAsync(new SaleKeys(saleId).Queue, [new("garbage", "not a claim")]);

    protected override IClaimTransport CreateTransport() =>
        new RedisStreamTransport(redis.Queue.Multiplexer, redis.Queue.ActiveSales, TestRedis.NoReplicaWait, new RedisScripts(), Options.Create(QueueOptions(Group)), TimeProvider.System, NullLogger<RedisStreamTransport>.Instance);

    /// <summary>
    /// The lease: a consumer still working on its deliveries renews them, and another consumer polling all the
    /// while (taking over what is idle past ReclaimAfter) gets none of them, however long the work takes.
    /// (On Kafka a live consumer keeps its partitions, so there is nothing to renew.)
    /// </summary>
    [Fact]
    public async Task A_delivery_whose_lease_is_renewed_is_never_handed_to_another_consumer()
    {
        var saleId = await NewSaleAsync();
        // A lease of 4 s renewed every 1.33 s: a renewal late by more than two seconds (the test processes run side by
        // side on a loaded machine) still keeps it.
        var holder = LongLeaseConsumer();
        var other = LongLeaseConsumer();
        var claims = Claims(saleId, 5);
        await PublishAsync(claims);
        var held = await ReceiveUntilAsync(holder, all => Ids(all).Count == claims.Count, ack: _ => false);

        // Three lease lengths of work, renewed as the delivery loop renews them; the other consumer polls throughout.
        using var working = new CancellationTokenSource(LongLease * 3);
        var renewals = 0;
        var renewing = Task.Run(async () =>
        {
            while (!working.IsCancellationRequested)
            {
                Assert.Equal(claims.Count, await holder.RenewAsync(held.All, CancellationToken.None));
                renewals++;
                await Task.Delay(holder.LeaseRenewal!.Value);
            }
        });
        var taken = await ReceiveUntilAsync(other, _ => false, ack: _ => true, atLeast: LongLease * 3, stopWhen: working.Token);
        await renewing;
        Assert.Empty(taken.All);
        Assert.True(renewals >= 3, $"renewed {renewals} times");

        // Done: acknowledged, and a renewal after the acknowledgement renews nothing.
        await holder.AcknowledgeAsync(held.All, CancellationToken.None);
        Assert.Equal(0, await holder.RenewAsync(held.All, CancellationToken.None));
    }

    /// <summary>A lease the holder stopped renewing lapses: the entries go to a consumer that is still there, and the old holder can no longer renew them.</summary>
    [Fact]
    public async Task A_lapsed_lease_goes_to_another_consumer_and_the_old_holder_cannot_renew_it()
    {
        var saleId = await NewSaleAsync();
        var holder = StartConsumer();
        var claims = Claims(saleId, 3);
        await PublishAsync(claims);
        var held = await ReceiveUntilAsync(holder, all => Ids(all).Count == claims.Count, ack: _ => false);

        var other = StartConsumer();
        var taken = await ReceiveUntilAsync(other, all => Ids(all).Count == claims.Count, ack: _ => false);
        Assert.All(taken.All, d => Assert.Equal(2, d.DeliveryCount));
        Assert.Equal(0, await holder.RenewAsync(held.All, CancellationToken.None));
        Assert.Equal(claims.Count, await other.RenewAsync(taken.All, CancellationToken.None));
    }

    private static readonly TimeSpan LongLease = TimeSpan.FromSeconds(4);

    private IClaimTransport LongLeaseConsumer()
    {
        var options = QueueOptions(Group);
        options.ReclaimAfter = LongLease;
        return new RedisStreamTransport(redis.Queue.Multiplexer, redis.Queue.ActiveSales, TestRedis.NoReplicaWait, new RedisScripts(),
            Options.Create(options), TimeProvider.System, NullLogger<RedisStreamTransport>.Instance);
    }

    protected override async Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(string saleId, int expected)
    {
        var entries = await redis.Db.StreamRangeAsync(new SaleKeys(saleId).DeadLetters);
        return entries.Select(e => new DeadLetter(e["claimId"].IsNull ? null : (string)e["claimId"]!, (string)e["reason"]!)).ToList();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var saleId in _sales)
        {
            var keys = new SaleKeys(saleId);
            await redis.Queue.ActiveSales.RemoveAsync(saleId);
            await redis.Db.KeyDeleteAsync([keys.Queue, keys.DeadLetters]);
        }
    }
}

/// <summary>One connection per test class, with a registry of its own (the transport reads every sale in it).</summary>
public abstract class RedisStreamTransportConnection(string configuration) : IAsyncLifetime
{
    public QueueConnection Queue { get; private set; } = null!;
    public IDatabase Db => Queue.Db;

    public async Task InitializeAsync() => Queue = await QueueConnection.ConnectAsync(configuration);

    public async Task DisposeAsync() => await Queue.DisposeAsync();

    public sealed class SingleNode() : RedisStreamTransportConnection(TestRedis.SingleNode);
    public sealed class Cluster() : RedisStreamTransportConnection(TestRedis.Cluster);
    public sealed class Sentinel() : RedisStreamTransportConnection(TestRedis.Sentinel);
}

public sealed class RedisStreamTransportContractTests(RedisStreamTransportConnection.SingleNode redis)
    : RedisStreamTransportContractTests<RedisStreamTransportConnection.SingleNode>(redis);

public sealed class RedisStreamTransportContractTestsOnCluster(RedisStreamTransportConnection.Cluster redis)
    : RedisStreamTransportContractTests<RedisStreamTransportConnection.Cluster>(redis);

public sealed class RedisStreamTransportContractTestsBehindSentinels(RedisStreamTransportConnection.Sentinel redis)
    : RedisStreamTransportContractTests<RedisStreamTransportConnection.Sentinel>(redis);
