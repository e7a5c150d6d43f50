using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Benchmarks;

/// <summary>
/// The benchmarks build every pool they admit into themselves, so their primaries need no check against
/// PostgreSQL: all scripts, the admit script included, are loaded up front, and a NOSCRIPT is a bug of the run.
/// </summary>
internal sealed class OwnPools : IPoolVerifier
{
    public static async Task LoadScriptsAsync(IConnectionMultiplexer redis, RedisScripts scripts)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            foreach (var script in scripts.All) await server.ScriptLoadAsync(script.Source);
    }

    public void Request(RedisKey key) => throw new InvalidOperationException($"The admit script is missing on the primary of {key}.");
}
