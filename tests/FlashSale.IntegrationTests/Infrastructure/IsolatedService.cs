using Dapper;
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
/// A service host with settings of its own (another payment provider, tiny retry delays, a faulty publisher)
/// that no other host interferes with: its own PostgreSQL schema and a Redis namespace of its own (the schema's
/// name), so no other worker takes its claims and its settlers and relay see only its rows. Tests using it share
/// one collection, so they run one at a time.
/// </summary>
public sealed class IsolatedService : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly TestSchema? _ownedSchema;

    private IsolatedService(WebApplicationFactory<Program> factory, TestSchema schema, TestSchema? ownedSchema)
    {
        _factory = factory;
        Schema = schema;
        _ownedSchema = ownedSchema;
    }

    public TestSchema Schema { get; }
    public IServiceProvider Services => _factory.Services;
    public FlashSaleClient Admin { get; private set; } = null!;
    public FlashSaleClient Storefront { get; private set; } = null!;
    public NpgsqlDataSource Db => Services.GetRequiredService<NpgsqlDataSource>();
    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    /// <summary>Starts a host on a schema of its own (dropped on dispose), or on <paramref name="schema"/> if given (kept).</summary>
    public static async Task<IsolatedService> StartAsync(
        IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null, TestSchema? schema = null,
        string environment = "Development")
    {
        var owned = schema is null ? await TestSchema.CreateAsync() : null;
        var used = schema ?? owned!;
        var settings = ServiceFixture.Settings(new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = ServiceFixture.RedisAddress,
            ["FlashSale:Postgres:ConnectionString"] = used.ConnectionString,
            ["FlashSale:Redis:Namespace"] = used.Namespace,
        });
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseTestSettings(settings, environment);
            if (services is not null) builder.ConfigureServices(services);
        });
        var host = new IsolatedService(factory, used, owned);
        try
        {
            factory.UseKestrel(0);
            factory.StartServer();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        host.Admin = host.NewClient(ServiceFixture.AdminKey);
        host.Storefront = host.NewClient(ServiceFixture.StorefrontKey);
        return host;
    }

    public FlashSaleClient NewClient(string? key) => FlashSaleClient.Of(_factory, key);

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        if (_ownedSchema is not null) await _ownedSchema.DisposeAsync();
    }
}

/// <summary>A PostgreSQL schema of one test's own; dropping it also forgets its sales' Redis keys.</summary>
public sealed class TestSchema : IAsyncDisposable
{
    private TestSchema(string name) => Name = name;

    public string Name { get; }

    /// <summary>The hosts' Redis namespace: their registry of active sales is theirs alone.</summary>
    public string Namespace => Name;
    public string ConnectionString => $"{ServiceFixture.PostgresConnectionString};Search Path={Name}";

    public static async Task<TestSchema> CreateAsync()
    {
        var schema = new TestSchema($"fs_test_{Guid.NewGuid():N}"[..24]);
        await using var conn = new NpgsqlConnection(ServiceFixture.PostgresConnectionString);
        await conn.ExecuteAsync($"CREATE SCHEMA {schema.Name}");
        return schema;
    }

    /// <summary>Takes this schema's sales out of <paramref name="redis"/>: their pools and their registry entries.</summary>
    public async Task ForgetSalesAsync(IConnectionMultiplexer redis)
    {
        await using var conn = new NpgsqlConnection(ServiceFixture.PostgresConnectionString);
        var activeSales = new ActiveSales(redis, Namespace);
        // A host that failed to start may have stopped before its migrations made the table.
        if (await conn.ExecuteScalarAsync<string?>($"SELECT to_regclass('{Name}.sales')::text") is null) return;
        foreach (var saleId in await conn.QueryAsync<string>($"SELECT sale_id FROM {Name}.sales"))
        {
            await activeSales.RemoveAsync(saleId);
            await redis.GetDatabase().KeyDeleteAsync(new SaleKeys(saleId).All);
        }
    }

    /// <summary>Drops the schema, and its sales from the single-node Redis (hosts on other topologies forget theirs first).</summary>
    public async ValueTask DisposeAsync()
    {
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(ServiceFixture.RedisAddress)) await ForgetSalesAsync(redis);
        await using var conn = new NpgsqlConnection(ServiceFixture.PostgresConnectionString);
        await conn.ExecuteAsync($"DROP SCHEMA {Name} CASCADE");
    }
}

[CollectionDefinition(Name)]
public sealed class IsolatedHostsCollection
{
    public const string Name = "isolated hosts";
}
