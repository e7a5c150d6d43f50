using FlashSale.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>
/// Which Redis a fault test's processes use: the fault stores' own node, or the local Redis Cluster under a
/// namespace of the test's own (the processes are what the test kills, so the shared cluster is safe to use).
/// </summary>
public sealed class FaultRedis
{
    private FaultRedis(string? configuration) => Configuration = configuration;

    /// <summary>Null for the fault stores' own node.</summary>
    public string? Configuration { get; }
    public string Namespace { get; } = ServiceFixture.NewNamespace();

    public static FaultRedis SingleNode => new(null);
    public static FaultRedis Cluster => new(ServiceFixture.ClusterAddress);

    /// <summary>The processes' settings, with <paramref name="more"/> on top.</summary>
    public Dictionary<string, string?> Settings(FaultStores stores, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FlashSale:Redis:Configuration"] = Configuration ?? stores.RedisConfiguration, ["FlashSale:Redis:Namespace"] = Namespace,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    private IConnectionMultiplexer? _cluster;

    /// <summary>The test's own connection to that Redis (one per test; the fault stores' for their node).</summary>
    public async Task<IConnectionMultiplexer> ConnectAsync(FaultStores stores) =>
        Configuration is null ? stores.Redis : _cluster ??= await ConnectionMultiplexer.ConnectAsync(Configuration);
}
