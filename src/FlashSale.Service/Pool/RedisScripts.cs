using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>The service's scripts, read once; loaded into Redis at start so the first claim runs by SHA.</summary>
public sealed class RedisScripts
{
    public RedisScript Admit { get; } = RedisScript.Load("admit");
    public RedisScript Preload { get; } = RedisScript.Load("preload");
    public RedisScript Release { get; } = RedisScript.Load("release");
    public RedisScript Repair { get; } = RedisScript.Load("repair");
    public RedisScript Heal { get; } = RedisScript.Load("heal");
    public RedisScript Lease { get; } = RedisScript.Load("lease");
    public RedisScript QueueJoin { get; } = RedisScript.Load("queue_join");
    public RedisScript QueuePoll { get; } = RedisScript.Load("queue_poll");
    public RedisScript QueueOutflow { get; } = RedisScript.Load("queue_outflow");
    public RedisScript QueueShuffle { get; } = RedisScript.Load("queue_shuffle");
    public RedisScript SetEndsAt { get; } = RedisScript.Load("set_ends_at");

    public IEnumerable<RedisScript> All => [Admit, Preload, Release, Repair, Heal, Lease, QueueJoin, QueuePoll, QueueOutflow, QueueShuffle, SetEndsAt];

    /// <summary>
    /// Loads every script but the admit script on the connected primaries. The admit script is loaded on a primary
    /// only once its pools are checked against PostgreSQL (Pool/PoolVerifier.cs): Redis does not replicate its
    /// script cache, so a promoted replica or a restarted server answers NOSCRIPT, and that is the signal to check.
    /// </summary>
    public async Task LoadAllButAdmitAsync(IConnectionMultiplexer redis)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            foreach (var script in All.Where(s => s != Admit)) await server.ScriptLoadAsync(script.Source);
    }
}
