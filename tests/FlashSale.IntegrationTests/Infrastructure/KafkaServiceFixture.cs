using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// The whole service with <c>FlashSale:Queue:Transport = kafka</c>, against a Kafka mock cluster this fixture
/// holds. Its Redis namespace is its own, so the Redis-transport hosts of <see cref="ServiceFixture"/> (which read
/// every active sale of their namespace) never handle this host's claims.
/// </summary>
public sealed class KafkaServiceFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public MockKafkaCluster Cluster { get; } = new();
    public string Topic { get; } = $"flashsale.claims.{Guid.NewGuid():N}";
    public FlashSaleClient Admin { get; private set; } = null!;
    public FlashSaleClient Storefront { get; private set; } = null!;
    public NpgsqlDataSource Db => Services.GetRequiredService<NpgsqlDataSource>();
    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
    public InvariantAudit Audit => new(Db, Redis);

    /// <summary>The Kafka settings of a host (in-process or a separate process) on this fixture's cluster and topic.</summary>
    // A schema of its own: the Redis-transport host shares the database, and its preloader and reconciler
    // would otherwise act on this host's sales against the wrong Redis database.
    public TestSchema Schema { get; private set; } = null!;

    public Dictionary<string, string?> KafkaSettings() => new()
    {
        ["FlashSale:Postgres:ConnectionString"] = Schema.ConnectionString,
        ["FlashSale:Redis:Configuration"] = ServiceFixture.RedisAddress,
        ["FlashSale:Redis:Namespace"] = Schema.Namespace,
        ["FlashSale:Queue:Transport"] = "kafka",
        ["FlashSale:Kafka:BootstrapServers"] = Cluster.BootstrapServers,
        ["FlashSale:Kafka:Topic"] = Topic,
        ["FlashSale:Kafka:DeadLetterTopic"] = Topic + ".dead",
        ["FlashSale:Kafka:ConsumerGroup"] = "workers-" + Topic,
        ["FlashSale:Kafka:LingerMs"] = "2",
        ["FlashSale:Kafka:SessionTimeout"] = "00:00:04",
        // The mock cluster has no CreateTopics: do not wait long for it.
        ["FlashSale:Kafka:AdminTimeout"] = "00:00:01",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = ServiceFixture.Settings(KafkaSettings());
        builder.UseTestSettings(settings);
    }

    public async Task InitializeAsync()
    {
        Schema = await TestSchema.CreateAsync();
        UseKestrel(0);
        StartServer();
        Admin = NewClient(ServiceFixture.AdminKey);
        Storefront = NewClient(ServiceFixture.StorefrontKey);
    }

    public FlashSaleClient NewClient(string? key) => FlashSaleClient.Of(this, key);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Cluster.Dispose();
        await Schema.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaServiceCollection : ICollectionFixture<KafkaServiceFixture>
{
    public const string Name = "service-on-kafka";
}
