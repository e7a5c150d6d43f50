namespace FlashSale.Testing;

/// <summary>
/// Where the servers <c>make test</c> starts (scripts/services-up.sh, scripts/redis-topologies-up.sh) listen:
/// PostgreSQL, and Redis as one node, as a Redis Cluster of 3 masters and 3 replicas, and as a primary with a
/// replica behind 3 Sentinels. scripts/services-env.sh exports the same addresses; another checkout on the same
/// machine sets other ports through these variables.
/// </summary>
public static class TestServers
{
    public static string RedisSingleNode => Env("FLASHSALE_TEST_REDIS") ?? "127.0.0.1:6390";
    public static string RedisCluster => Env("FLASHSALE_TEST_REDIS_CLUSTER") ?? "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103";
    public static string RedisSentinel => Env("FLASHSALE_TEST_REDIS_SENTINEL")
        ?? "127.0.0.1:26393,127.0.0.1:26394,127.0.0.1:26395,serviceName=flashsale";
    public static string Postgres => Env("FLASHSALE_TEST_PG")
        ?? "Host=127.0.0.1;Port=5440;Username=flashsale;Password=flashsale;Database=flashsale_test";

    /// <summary>A Redis namespace (<c>FlashSale:Redis:Namespace</c>) for one fixture or host: no other reads its sales.</summary>
    public static string NewRedisNamespace() => $"t{Guid.NewGuid():N}"[..13];

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
