using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// The Redis keys of one sale. The sale id is the hash tag (<c>{...}</c>) so every key of a sale lands in
/// one Redis Cluster slot, which a multi-key Lua script requires.
/// </summary>
public readonly record struct SaleKeys(string SaleId)
{
    public RedisKey Meta => $"fs:{{{SaleId}}}:meta";
    public RedisKey Remaining => $"fs:{{{SaleId}}}:remaining";
    public RedisKey Users => $"fs:{{{SaleId}}}:users";
    public RedisKey Claims => $"fs:{{{SaleId}}}:claims";
    public RedisKey Queue => $"fs:{{{SaleId}}}:queue";
    public RedisKey DeadLetters => $"fs:{{{SaleId}}}:dead";
    public RedisKey Released => $"fs:{{{SaleId}}}:released";

    /// <summary>Written before a <c>WAIT</c> for replicas (<see cref="ReplicaAcks"/>); expires by itself.</summary>
    public RedisKey ReplicaMarker => $"fs:{{{SaleId}}}:acked";

    /// <summary>Every key of the sale (one hash slot, so one multi-key command may name them all).</summary>
    public RedisKey[] All => [Meta, Remaining, Users, Claims, Queue, DeadLetters, Released, ReplicaMarker];

    /// <summary>The sale id from a queue key, for entries read from several sales' streams at once.</summary>
    public static string SaleIdOfQueue(RedisKey queue)
    {
        var key = (string)queue!;
        var open = key.IndexOf('{');
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }
}
