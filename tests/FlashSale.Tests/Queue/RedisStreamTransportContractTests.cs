using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>The transport contract on Redis Streams, the default transport, against the real Redis.</summary>
public sealed class RedisStreamTransportContractTests(RedisStreamTransportContractTests.Connection redis)
    : ClaimTransportContract, IClassFixture<RedisStreamTransportContractTests.Connection>
{
    private const string Group = "contract-workers";
    private readonly List<string> _sales = [];

    protected override async Task<string> PrepareSaleAsync()
    {
        // What preload does for the queue: the stream and its consumer group, then the sale becomes visible.
        var saleId = FlashSale.Core.Ids.NewSaleId();
        _sales.Add(saleId);
        await redis.Db.StreamCreateConsumerGroupAsync(new SaleKeys(saleId).Queue, Group, "0-0", createStream: true);
        await redis.Db.SetAddAsync(SaleKeys.ActiveSales, saleId);
        return saleId;
    }

    protected override async Task PublishAsync(IReadOnlyList<ClaimMessage> claims)
    {
        foreach (var c in claims) await QueueRedis.AddEntryAsync(redis.Db, c);
    }

    protected override Task PublishUnreadableAsync(string saleId) =>
        redis.Db.StreamAddAsync(new SaleKeys(saleId).Queue, [new("garbage", "not a claim")]);

    protected override IClaimTransport CreateTransport() =>
        new RedisStreamTransport(redis.Multiplexer, Options.Create(QueueOptions(Group)), TimeProvider.System, NullLogger<RedisStreamTransport>.Instance);

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
            await redis.Db.SetRemoveAsync(SaleKeys.ActiveSales, saleId);
            await redis.Db.KeyDeleteAsync([keys.Queue, keys.DeadLetters]);
        }
    }

    /// <summary>A database of its own: the transport reads every active sale of its database.</summary>
    public sealed class Connection : IAsyncLifetime
    {
        public const int Database = 12;

        public ConnectionMultiplexer Multiplexer { get; private set; } = null!;
        public IDatabase Db => Multiplexer.GetDatabase();

        public async Task InitializeAsync() => Multiplexer = await QueueRedis.ConnectAsync(Database);

        public async Task DisposeAsync() => await Multiplexer.DisposeAsync();
    }
}
