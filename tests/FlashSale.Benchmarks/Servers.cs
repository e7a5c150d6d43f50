using FlashSale.Testing;

namespace FlashSale.Benchmarks;

/// <summary>The local Redis and PostgreSQL that <c>scripts/services-up.sh</c> starts (see scripts/services-env.sh).</summary>
internal static class Servers
{
    public static string Redis => TestServers.RedisSingleNode;

    public static string Postgres => TestServers.Postgres;
}
