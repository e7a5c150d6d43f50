using StackExchange.Redis;

namespace FlashSale.Service.Redis;

/// <summary>The service's scripts, read once; loaded into Redis at start so the first claim runs by SHA.</summary>
public sealed class RedisScripts
{
    public RedisScript Admit { get; } = RedisScript.Load("admit");
    public RedisScript Preload { get; } = RedisScript.Load("preload");
    public RedisScript Release { get; } = RedisScript.Load("release");
    public RedisScript Repair { get; } = RedisScript.Load("repair");

    public IEnumerable<RedisScript> All => [Admit, Preload, Release, Repair];

    public async Task LoadAllAsync(IConnectionMultiplexer redis)
    {
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (!server.IsConnected) continue;
            foreach (var script in All) await server.ScriptLoadAsync(script.Source);
        }
    }
}
