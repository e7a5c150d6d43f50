using System.Diagnostics;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>
/// A Redis Cluster (3 masters + 3 replicas) and a Sentinel-managed primary of the failover tests' own, started by
/// scripts/redis-topologies-up.sh on ports of their own with data under .services/failover, so killing a master
/// never disturbs the other tests. <see cref="RestoreAsync"/> brings a killed node back (as a replica). Another
/// checkout on the same machine moves them with FLASHSALE_FAILOVER_CLUSTER_PORT, FLASHSALE_FAILOVER_SENTINEL_DATA_PORT
/// and FLASHSALE_FAILOVER_SENTINEL_PORT (first of 6, 2 and 3 ports).
/// </summary>
public sealed class FailoverStores : IAsyncLifetime
{
    public static int ClusterPort { get; } = Port("FLASHSALE_FAILOVER_CLUSTER_PORT", 7201);
    public static int SentinelDataPort { get; } = Port("FLASHSALE_FAILOVER_SENTINEL_DATA_PORT", 6396);
    public static int SentinelPort { get; } = Port("FLASHSALE_FAILOVER_SENTINEL_PORT", 26396);

    private static int Port(string variable, int fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? int.Parse(v) : fallback;
    public const string ServiceName = "flashsale-failover";

    public static string StateDir => Path.Combine(Repo.Root, ".services", "failover");

    public string ClusterConfiguration => string.Join(',', Enumerable.Range(ClusterPort, 3).Select(p => $"127.0.0.1:{p}"));
    public string SentinelConfiguration =>
        string.Join(',', Enumerable.Range(SentinelPort, 3).Select(p => $"127.0.0.1:{p}")) + $",serviceName={ServiceName}";

    public Task InitializeAsync() => RestoreAsync();

    /// <summary>Starts whatever is not running: after a failover the killed node comes back as a replica.</summary>
    public async Task RestoreAsync()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repo.Root, "scripts", "redis-topologies-up.sh")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment =
            {
                ["FLASHSALE_STATE_DIR"] = StateDir, ["FLASHSALE_CLUSTER_PORT"] = ClusterPort.ToString(),
                ["FLASHSALE_SENTINEL_DATA_PORT"] = SentinelDataPort.ToString(), ["FLASHSALE_SENTINEL_PORT"] = SentinelPort.ToString(),
                ["FLASHSALE_SENTINEL_NAME"] = ServiceName, ["FLASHSALE_ONLY"] = "",
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"redis-topologies-up.sh failed ({process.ExitCode}): {await output}\n{await errors}");
    }

    /// <summary>The pid of the redis-server on <paramref name="port"/> (a cluster node or a Sentinel-managed one).</summary>
    public static int PidOf(int port)
    {
        var dir = port >= ClusterPort && port < ClusterPort + 6 ? "cluster" : "sentinel";
        return int.Parse(File.ReadAllText(Path.Combine(StateDir, dir, port.ToString(), "redis.pid")).Trim());
    }

    /// <summary>kill -9: the node dies with whatever it had not yet sent to its replicas.</summary>
    public static void Kill(int port)
    {
        using var process = Process.GetProcessById(PidOf(port));
        process.Kill();
        process.WaitForExit();
    }

    public static void Signal(int port, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", PidOf(port).ToString()]);
        kill.WaitForExit();
    }

    /// <summary>The Sentinel-managed primary and its replica, once the replica holds <paramref name="saleId"/>'s pool.</summary>
    public static async Task<(int Primary, int Replica)> SentinelPairAsync(string saleId)
    {
        var primary = (await RedisCli.SentinelPrimaryAsync())!.Value;
        var replica = primary == SentinelDataPort ? SentinelDataPort + 1 : SentinelDataPort;
        await Eventually.True(async () => (await RedisCli.RunAsync(replica, "exists", $"fs:{{{saleId}}}:meta")).FirstOrDefault() == "1",
            // A replica the test before restored may still be loading its full resync: a wait for the setup, not a measure.
            TimeSpan.FromSeconds(30), "the replica holds the preloaded pool");
        return (primary, replica);
    }

    /// <summary>
    /// Freezes the replica (SIGSTOP) and drops its replication link: bytes already in a frozen replica's socket would
    /// still reach it once it thaws, and a frozen replica cannot dial back in. Disposing thaws it (SIGCONT).
    /// </summary>
    public static async Task<IDisposable> CutOffAsync(int primary, int replica)
    {
        Signal(replica, "STOP");
        var thaw = new Thaw(replica);
        try
        {
            await RedisCli.RunAsync(primary, "client", "kill", "type", "replica");
            return thaw;
        }
        catch
        {
            thaw.Dispose();
            throw;
        }
    }

    private sealed class Thaw(int port) : IDisposable
    {
        public void Dispose() => Signal(port, "CONT");
    }

    public Task DisposeAsync()
    {
        foreach (var pidFile in Directory.EnumerateFiles(StateDir, "*.pid", SearchOption.AllDirectories))
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim()));
                if (process.ProcessName.StartsWith("redis", StringComparison.Ordinal)) process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                // Not running any more.
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The failover tests share their own stores and run one at a time: each kills a primary on purpose. They run after
/// the parallel collections, alone: a promotion and the service following it are timed against deadlines, and a
/// machine loaded by the rest of the suite stretched them past those deadlines.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailoverCollection : ICollectionFixture<FailoverStores>
{
    public const string Name = "failover";
}
