using System.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>
/// A Redis and a PostgreSQL of the fault tests' own (own ports and data directory, started by the project's
/// scripts), so stopping them mid-sale never disturbs the other tests.
/// </summary>
public sealed class FaultStores : IAsyncLifetime
{
    public static int RedisPort => int.Parse(Environment.GetEnvironmentVariable("FLASHSALE_FAULT_REDIS_PORT") ?? "6391");
    public static int PostgresPort => int.Parse(Environment.GetEnvironmentVariable("FLASHSALE_FAULT_PG_PORT") ?? "5441");
    public static string StateDir => Path.Combine(Repo.Root, ".services", "faults");

    public string RedisConfiguration => $"127.0.0.1:{RedisPort}";
    public string PostgresConnectionString => $"Host=127.0.0.1;Port={PostgresPort};Username=flashsale;Password=flashsale;Database=flashsale_test;Timeout=3";

    public NpgsqlDataSource? Db { get; private set; }
    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await StartAsync(null);
        Db = NpgsqlDataSource.Create(PostgresConnectionString);
        Redis = await ConnectionMultiplexer.ConnectAsync($"{RedisConfiguration},abortConnect=false");
    }

    public async Task StartAsync(string? only)
    {
        await ScriptAsync("services-up.sh", only);
        // Pooled connections of the test's own data source died with the server.
        Db?.Clear();
    }

    public Task StopAsync(string? only) => ScriptAsync("services-down.sh", only);

    private static async Task ScriptAsync(string script, string? only)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "scripts", script)])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment =
            {
                ["FLASHSALE_STATE_DIR"] = StateDir, ["FLASHSALE_REDIS_PORT"] = RedisPort.ToString(),
                ["FLASHSALE_PG_PORT"] = PostgresPort.ToString(), ["FLASHSALE_ONLY"] = only ?? "", ["FLASHSALE_TOPOLOGIES"] = "0",
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await output}\n{await errors}");
    }

    public async Task DisposeAsync()
    {
        if (Db is not null) await Db.DisposeAsync();
        await Redis.DisposeAsync();
        await StopAsync(null);
    }
}
