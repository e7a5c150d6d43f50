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
    public RedisScript TransferOut { get; } = RedisScript.Load("transfer_out");
    public RedisScript TransferIn { get; } = RedisScript.Load("transfer_in");

    public IEnumerable<RedisScript> All =>
        [Admit, Preload, Release, Repair, Heal, Lease, QueueJoin, QueuePoll, QueueOutflow, QueueShuffle, SetEndsAt, TransferOut, TransferIn];

    /// <summary>
    /// The scripts that hand out units: run by SHA only, and loaded on a primary only once its pools are checked against
    /// PostgreSQL (Pool/PoolVerifier.cs). Redis does not replicate its script cache, so a promoted replica or a restarted
    /// server answers NOSCRIPT, and that is the signal to check before it admits a buyer or gives units to another pool.
    /// </summary>
    public IEnumerable<RedisScript> Gated => [Admit, TransferOut];

    /// <summary>Loads every script but the <see cref="Gated"/> ones on the connected primaries.</summary>
    public async Task LoadAllButAdmitAsync(IConnectionMultiplexer redis)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            foreach (var script in All.Except(Gated)) await server.ScriptLoadAsync(script.Source);
    }
}
