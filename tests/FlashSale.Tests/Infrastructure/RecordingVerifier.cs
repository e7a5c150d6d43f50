using System.Collections.Concurrent;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// The script tests' stand-in for the service's pool check (which needs PostgreSQL): it records which primary the
/// admit script asked to have checked. The tests' own pools are built by the tests, so they load the admit script
/// themselves (<see cref="LoadScriptsAsync"/>).
/// </summary>
public sealed class RecordingVerifier : IPoolVerifier
{
    public ConcurrentQueue<RedisKey> Requests { get; } = [];

    public void Request(RedisKey key) => Requests.Enqueue(key);

    public static async Task LoadScriptsAsync(IConnectionMultiplexer redis, RedisScripts scripts)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            foreach (var script in scripts.All) await server.ScriptLoadAsync(script.Source);
    }
}
