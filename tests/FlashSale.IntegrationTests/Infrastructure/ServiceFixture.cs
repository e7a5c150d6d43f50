using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// The whole service (edge, worker, preloader) on real Kestrel, against the real Redis and PostgreSQL that
/// <c>make test</c> starts. One per Redis topology per test run; tests keep apart by using a sale of their own,
/// and each host's sales sit in a Redis namespace of its own, so no other host's worker takes its claims.
/// </summary>
public class ServiceFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string StorefrontKey = "test-storefront-key-0123456789";

    /// <summary>The storefront origin the waiting page may send buyers back to (nothing serves it).</summary>
    public const string WaitPageShop = "https://shop.example";

    public static string RedisAddress => TestServers.RedisSingleNode;
    public static string ClusterAddress => TestServers.RedisCluster;
    public static string SentinelAddress => TestServers.RedisSentinel;

    /// <summary>A Redis namespace for one host (<c>FlashSale:Redis:Namespace</c>).</summary>
    public static string NewNamespace() => TestServers.NewRedisNamespace();

    /// <summary>The Redis this host runs on: one node here, a cluster or Sentinels in the subclasses.</summary>
    protected virtual string RedisConfiguration => RedisAddress;

    public string Namespace { get; } = NewNamespace();

    // The cluster and Sentinel hosts each get a PostgreSQL schema of their own: hosts sharing one would preload
    // each other's sales into their own Redis and elect one reconciler among them, which repairs only its Redis.
    private TestSchema? _schema;
    protected virtual bool OwnSchema => false;
    public static string PostgresConnectionString => TestServers.Postgres;

    public FlashSaleClient Admin { get; private set; } = null!;
    public FlashSaleClient Storefront { get; private set; } = null!;
    public NpgsqlDataSource Db => Services.GetRequiredService<NpgsqlDataSource>();
    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
    public ActiveSales ActiveSales => Services.GetRequiredService<ActiveSales>();

    /// <summary>The settings every test host gets; a test may add or override some.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["FlashSale:AdminKey"] = AdminKey,
            ["FlashSale:StorefrontKey"] = StorefrontKey,
            ["FlashSale:Redis:Configuration"] = RedisAddress,
            ["FlashSale:Postgres:ConnectionString"] = PostgresConnectionString,
            ["FlashSale:Queue:ReclaimAfter"] = "00:00:02",
            ["FlashSale:Queue:IdlePoll"] = "00:00:00.010",
            ["FlashSale:Sales:PreloadInterval"] = "00:00:00.200",
            ["FlashSale:Reconciler:Interval"] = "00:00:00.200",
            ["FlashSale:Reconciler:RequeueGrace"] = "00:00:01",
            ["FlashSale:Reconciler:ReservationTtl"] = "00:00:08",
            // Merchant webhooks: retries and timeouts test-sized.
            ["FlashSale:Webhooks:FirstRetryDelay"] = "00:00:00.100",
            ["FlashSale:Webhooks:MaxRetryDelay"] = "00:00:00.500",
            ["FlashSale:Webhooks:Timeout"] = "00:00:01",
            ["FlashSale:Webhooks:Lease"] = "00:00:03",
            ["FlashSale:Webhooks:PollInterval"] = "00:00:00.050",
            // Waiting rooms: sales found and shuffled within a test's patience, the outflow ticked finely.
            ["FlashSale:WaitingRoom:OutflowInterval"] = "00:00:00.020",
            ["FlashSale:WaitingRoom:SalesRefresh"] = "00:00:00.100",
            ["FlashSale:WaitingRoom:ReturnOrigins:0"] = WaitPageShop,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = Settings(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = RedisConfiguration, ["FlashSale:Redis:Namespace"] = Namespace,
            ["FlashSale:Postgres:ConnectionString"] = _schema?.ConnectionString ?? PostgresConnectionString,
        });
        builder.UseTestSettings(settings);
    }

    public async Task InitializeAsync()
    {
        if (OwnSchema) _schema = await TestSchema.CreateAsync();
        UseKestrel(0);
        StartServer();
        Admin = NewClient(AdminKey);
        Storefront = NewClient(StorefrontKey);
    }

    public FlashSaleClient NewClient(string? key) => FlashSaleClient.Of(this, key);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_schema is not null) await _schema.DisposeAsync();
    }
}

/// <summary>The service on the local Redis Cluster (3 masters, 3 replicas): its sales' slots spread over all masters.</summary>
public sealed class ClusterServiceFixture : ServiceFixture
{
    protected override string RedisConfiguration => ClusterAddress;
    protected override bool OwnSchema => true;
}

/// <summary>The service on the Sentinel-managed primary, found through the 3 Sentinels.</summary>
public sealed class SentinelServiceFixture : ServiceFixture
{
    protected override string RedisConfiguration => SentinelAddress;
    protected override bool OwnSchema => true;
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}

[CollectionDefinition(Name)]
public sealed class ClusterServiceCollection : ICollectionFixture<ClusterServiceFixture>
{
    public const string Name = "service-cluster";
}

[CollectionDefinition(Name)]
public sealed class SentinelServiceCollection : ICollectionFixture<SentinelServiceFixture>
{
    public const string Name = "service-sentinel";
}
