using System.Collections.Concurrent;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// One connection to a real Redis topology that <c>make test</c> starts, shared by every script test of that
/// topology. Tests keep apart by using a sale of their own; the fixture deletes those sales' keys at the end of
/// the run. Its sales are registered in a namespace of its own, so no worker of another test reads their queues.
/// </summary>
public abstract class RedisFixture(string configuration) : IAsyncLifetime
{
    private readonly ConcurrentBag<string> _sales = [];

    public ConnectionMultiplexer Connection { get; private set; } = null!;
    public IDatabase Db => Connection.GetDatabase();
    public RedisScripts Scripts { get; } = new();
    public AdmitScript Admit { get; private set; } = null!;
    public RecordingVerifier Verifier { get; } = new();
    public SalePool Pool { get; private set; } = null!;
    public ActiveSales ActiveSales { get; private set; } = null!;

    /// <summary>The servers that take writes: the one node, the primary behind the Sentinels, or the cluster's masters.</summary>
    public IEnumerable<IServer> Primaries => Connection.GetServers().Where(s => s.IsConnected && !s.IsReplica);

    /// <summary>Redis's clock (<c>TIME</c>) on the server of a sale, in Unix milliseconds.</summary>
    public async Task<long> RedisNowMsAsync(string saleId) => new DateTimeOffset(await ServerOf(saleId).TimeAsync()).ToUnixTimeMilliseconds();

    /// <summary>The server that takes a sale's writes.</summary>
    public IServer ServerOf(string saleId) => Connection.GetServer(new SaleKeys(saleId).Meta);

    public async Task InitializeAsync()
    {
        Connection = await TestRedis.ConnectAsync(configuration, allowAdmin: true); // SCRIPT FLUSH in the NOSCRIPT test
        ActiveSales = new ActiveSales(Connection, TestRedis.NewNamespace());
        Admit = new AdmitScript(Connection, Scripts, Verifier);
        await RecordingVerifier.LoadScriptsAsync(Connection, Scripts);
        Pool = new SalePool(Connection, Scripts, ActiveSales, Microsoft.Extensions.Options.Options.Create(new QueueOptions()));
    }

    /// <summary>Preloads a new sale of its own for one test, by default live (see <see cref="TestSales"/>).</summary>
    public async Task<string> PreloadAsync(int stock, int perUserLimit = 1, TimeSpan? startsIn = null, TimeSpan? endsIn = null,
        int maxPaymentAttempts = SaleRules.DefaultMaxPaymentAttempts, string checkout = SaleRules.ImmediateCheckout)
    {
        var sale = TestSales.Row(stock, perUserLimit, startsIn, endsIn, maxPaymentAttempts, checkout);
        Track(sale.SaleId);
        await Pool.PreloadAsync(sale);
        return sale.SaleId;
    }

    /// <summary>Registers a sale whose keys are deleted when the run ends.</summary>
    public string Track(string saleId)
    {
        _sales.Add(saleId);
        return saleId;
    }

    public Task<AdmitResult> AdmitAsync(string saleId, string userId, int quantity = 1) =>
        Admit.RunAsync(saleId, userId, quantity, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId());

    public async Task<long> RemainingAsync(string saleId) => (long)await Db.StringGetAsync(new SaleKeys(saleId).Remaining);

    public async Task<long> MetaAsync(string saleId, string field) => (long)await Db.HashGetAsync(new SaleKeys(saleId).Meta, field);

    public Task<long> QueueLengthAsync(string saleId) => Db.StreamLengthAsync(new SaleKeys(saleId).Queue);

    public async Task DisposeAsync()
    {
        if (Connection is null) return;
        foreach (var saleId in _sales)
        {
            var keys = new SaleKeys(saleId);
            await Db.KeyDeleteAsync(keys.All);
            await ActiveSales.RemoveAsync(saleId);
        }
        await Connection.DisposeAsync();
    }
}

public sealed class SingleNodeRedis() : RedisFixture(TestRedis.SingleNode);

public sealed class ClusterRedis() : RedisFixture(TestRedis.Cluster);

public sealed class SentinelRedis() : RedisFixture(TestRedis.Sentinel);

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<SingleNodeRedis>
{
    public const string Name = "redis";
}

[CollectionDefinition(Name)]
public sealed class ClusterRedisCollection : ICollectionFixture<ClusterRedis>
{
    public const string Name = "redis-cluster";
}

[CollectionDefinition(Name)]
public sealed class SentinelRedisCollection : ICollectionFixture<SentinelRedis>
{
    public const string Name = "redis-sentinel";
}
