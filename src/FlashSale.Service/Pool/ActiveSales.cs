using FlashSale.Service.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// The registry of sales whose queues the workers read. On a Redis Cluster one set would be one hot key on one
/// master that every worker polls, so it is split into <see cref="Shards"/> sets with hash tags of their own,
/// spread over the slots; a sale lives in the shard a hash of its id picks, the same in every process.
/// The keys carry <see cref="RedisOptions.Namespace"/>: services sharing one Redis under different namespaces
/// never read each other's sales.
/// </summary>
public sealed class ActiveSales
{
    public const int Shards = 8;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey[] _shards;

    public ActiveSales(IConnectionMultiplexer redis, IOptions<RedisOptions> options) : this(redis, options.Value.Namespace)
    {
    }

    public ActiveSales(IConnectionMultiplexer redis, string @namespace)
    {
        _redis = redis;
        _shards = Enumerable.Range(0, Shards).Select(i => (RedisKey)$"{@namespace}:active-sales:{{{@namespace}:as{i}}}").ToArray();
    }

    private RedisKey ShardOf(string saleId)
    {
        // FNV-1a: string.GetHashCode differs from process to process.
        var hash = 2166136261u;
        foreach (var c in saleId) hash = (hash ^ c) * 16777619u;
        return _shards[hash % Shards];
    }

    public Task AddAsync(string saleId) => _redis.GetDatabase().SetAddAsync(ShardOf(saleId), saleId);

    public Task RemoveAsync(string saleId) => _redis.GetDatabase().SetRemoveAsync(ShardOf(saleId), saleId);

    public Task<bool> ContainsAsync(string saleId) => _redis.GetDatabase().SetContainsAsync(ShardOf(saleId), saleId);

    private readonly string[][] _lastSeen = Enumerable.Repeat(Array.Empty<string>(), Shards).ToArray();
    private readonly Task<RedisValue[]>?[] _reads = new Task<RedisValue[]>?[Shards];

    /// <summary>
    /// Every registered sale: the shards are read side by side (one command each, on their own masters). A shard
    /// whose master does not answer within <paramref name="patience"/> (slow, failing over) counts with what it held
    /// the last time it answered, so one master cannot hold up the sales of the others.
    /// </summary>
    public async Task<string[]> ListAsync(TimeSpan patience, TimeProvider clock)
    {
        var db = _redis.GetDatabase();
        // A shard still being read (its master is slow) is not asked again: the one read waits for its answer.
        var reads = new Task<RedisValue[]>[Shards];
        lock (_reads)
            for (var i = 0; i < Shards; i++)
            {
                // One that answered after the last call is old news now: ask again.
                if (_reads[i] is { IsCompleted: true } late)
                {
                    if (late.IsCompletedSuccessfully) _lastSeen[i] = late.Result.Select(s => (string)s!).ToArray();
                    else _ = late.Exception;
                    _reads[i] = null;
                }
                reads[i] = _reads[i] ??= db.SetMembersAsync(_shards[i]);
            }
        await Task.WhenAny(Task.WhenAll(reads), Task.Delay(patience, clock));
        lock (_reads)
        {
            for (var i = 0; i < Shards; i++)
            {
                if (!reads[i].IsCompleted) continue;
                if (reads[i].IsCompletedSuccessfully) _lastSeen[i] = reads[i].Result.Select(s => (string)s!).ToArray();
                else _ = reads[i].Exception;
                if (ReferenceEquals(_reads[i], reads[i])) _reads[i] = null;
            }
            return _lastSeen.SelectMany(s => s).ToArray();
        }
    }
}
