using System.Collections.Concurrent;
using FlashSale.Service.Claims;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// One connection to the real Redis that <c>make test</c> starts, shared by every script test. Tests keep
/// apart by using a sale of their own; the fixture deletes those sales' keys at the end of the run.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    // Not database 0: the service and the integration tests run workers there that read every sale in
    // fs:active-sales and would consume (and dead-letter) the queues these tests assert on.
    public const int Database = 11;

    private readonly ConcurrentBag<string> _sales = [];

    public static string Address =>
        Environment.GetEnvironmentVariable("FLASHSALE_TEST_REDIS") is { Length: > 0 } address ? address : "127.0.0.1:6390";

    public ConnectionMultiplexer Connection { get; private set; } = null!;
    public IDatabase Db => Connection.GetDatabase();
    public IServer Server => Connection.GetServer(Connection.GetEndPoints()[0]);
    public RedisScripts Scripts { get; } = new();
    public AdmitScript Admit { get; private set; } = null!;
    public SalePool Pool { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = ConfigurationOptions.Parse(Address);
        options.DefaultDatabase = Database;
        options.AllowAdmin = true; // SCRIPT FLUSH in the NOSCRIPT test
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 5000;
        try
        {
            Connection = await ConnectionMultiplexer.ConnectAsync(options);
            await Db.PingAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"The script tests need a real Redis at {Address} (FLASHSALE_TEST_REDIS), and none answered. " +
                "Start it with `make services-up` (or run `make test`).", e);
        }
        Admit = new AdmitScript(Connection, Scripts);
        Pool = new SalePool(Connection, Scripts, Microsoft.Extensions.Options.Options.Create(new QueueOptions()));
    }

    /// <summary>Preloads a new sale of its own for one test, inside <see cref="TestSales"/>' window.</summary>
    public async Task<string> PreloadAsync(int stock, int perUserLimit = 1)
    {
        var sale = TestSales.Row(stock, perUserLimit);
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

    public Task<AdmitResult> AdmitAsync(string saleId, string userId, int quantity = 1, DateTimeOffset? now = null) =>
        Admit.RunAsync(saleId, userId, quantity, TestSales.PaymentMethod, FlashSale.Core.Ids.NewClaimId(), now ?? TestSales.Inside);

    public async Task<long> RemainingAsync(string saleId) => (long)await Db.StringGetAsync(new SaleKeys(saleId).Remaining);

    public async Task<long> MetaAsync(string saleId, string field) => (long)await Db.HashGetAsync(new SaleKeys(saleId).Meta, field);

    public Task<long> QueueLengthAsync(string saleId) => Db.StreamLengthAsync(new SaleKeys(saleId).Queue);

    public async Task DisposeAsync()
    {
        if (Connection is null) return;
        foreach (var saleId in _sales)
        {
            var keys = new SaleKeys(saleId);
            await Db.KeyDeleteAsync([keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue, keys.DeadLetters, keys.Released]);
            await Db.SetRemoveAsync(SaleKeys.ActiveSales, saleId);
        }
        await Connection.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
