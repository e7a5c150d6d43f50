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
        new RedisStreamTransport(redis.Queue.Multiplexer, redis.Queue.ActiveSales, TestRedis.NoReplicaWait, Options.Create(QueueOptions(Group)), TimeProvider.System, NullLogger<RedisStreamTransport>.Instance);

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
