using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>The three Redis topologies <c>make test</c> starts (<see cref="TestServers"/>), and connections to them.</summary>
public static class TestRedis
{
    public static string SingleNode => TestServers.RedisSingleNode;
    public static string Cluster => TestServers.RedisCluster;
    public static string Sentinel => TestServers.RedisSentinel;

    /// <summary>AdmitReplicas 0, the default: nothing waits for replicas.</summary>
    public static ReplicaAcks NoReplicaWait { get; } =
        new(Microsoft.Extensions.Options.Options.Create(new RedisOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<ReplicaAcks>.Instance);

    /// <summary>A namespace of its own for one fixture: no other test's transport reads the sales it registers.</summary>
    public static string NewNamespace() => TestServers.NewRedisNamespace();

    public static async Task<ConnectionMultiplexer> ConnectAsync(string configuration, bool allowAdmin = false)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AllowAdmin = allowAdmin;
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 5000;
        try
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(options);
            await redis.GetDatabase().PingAsync();
            return redis;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"These tests need a real Redis at {configuration}, and none answered. Start it with `make services-up` (or run `make test`).", e);
        }
    }
}

/// <summary>A connection to one topology with an active-sales registry of its own.</summary>
public sealed class QueueConnection : IAsyncDisposable
{
    private QueueConnection(ConnectionMultiplexer multiplexer)
    {
        Multiplexer = multiplexer;
        ActiveSales = new ActiveSales(multiplexer, TestRedis.NewNamespace());
    }

    public ConnectionMultiplexer Multiplexer { get; }
    public IDatabase Db => Multiplexer.GetDatabase();
    public ActiveSales ActiveSales { get; }

    public static async Task<QueueConnection> ConnectAsync(string configuration) => new(await TestRedis.ConnectAsync(configuration));

    public ValueTask DisposeAsync() => Multiplexer.DisposeAsync();
}
