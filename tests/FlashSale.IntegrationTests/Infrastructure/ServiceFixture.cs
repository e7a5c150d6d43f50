using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// The whole service (edge, worker, preloader) on real Kestrel, against the real Redis and PostgreSQL that
/// <c>make test</c> starts. One per test run; tests keep apart by using a sale of their own.
/// </summary>
public sealed class ServiceFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string StorefrontKey = "test-storefront-key-0123456789";

    public static string RedisAddress => Environment.GetEnvironmentVariable("FLASHSALE_TEST_REDIS") ?? "127.0.0.1:6390";
    public static string PostgresConnectionString => Environment.GetEnvironmentVariable("FLASHSALE_TEST_PG")
        ?? "Host=127.0.0.1;Port=5440;Username=flashsale;Password=flashsale;Database=flashsale_test";

    public FlashSaleClient Admin { get; private set; } = null!;
    public FlashSaleClient Storefront { get; private set; } = null!;
    public NpgsqlDataSource Db => Services.GetRequiredService<NpgsqlDataSource>();
    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

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
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in Settings()) builder.UseSetting(key, value);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(Settings()));
    }

    public Task InitializeAsync()
    {
        UseKestrel(0);
        StartServer();
        Admin = NewClient(AdminKey);
        Storefront = NewClient(StorefrontKey);
        return Task.CompletedTask;
    }

    public FlashSaleClient NewClient(string? key)
    {
        var http = CreateClient();
        http.Timeout = TimeSpan.FromSeconds(60);
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new FlashSaleClient(http);
    }

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ServiceCollection : ICollectionFixture<ServiceFixture>
{
    public const string Name = "service";
}
