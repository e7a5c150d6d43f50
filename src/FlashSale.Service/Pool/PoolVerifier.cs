using System.Collections.Concurrent;
using System.Net;
using Dapper;
using FlashSale.Core;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>Asks for the pools on one Redis primary to be checked against PostgreSQL before it admits again.</summary>
public interface IPoolVerifier
{
    /// <summary>The primary that holds <paramref name="key"/> answered NOSCRIPT for the admit script: check it.</summary>
    void Request(RedisKey key);
}

/// <summary>
/// Redis does not replicate its script cache, so the admit script is missing exactly on a primary this service
/// never checked: a promoted replica, or a restarted server (whose AOF may have lost its last writes). Until the
/// script is there, claims on it answer 503; meanwhile every sale not yet ended whose slot it serves is healed from
/// PostgreSQL (<see cref="PoolHealer"/>; a pool gone altogether is preloaded first), and only then is the admit
/// script loaded, so no unit PostgreSQL already took is offered to a second buyer. Any process may do it, any number
/// of times: healing is idempotent.
/// </summary>
public sealed class PoolVerifier(
    IConnectionMultiplexer redis, RedisScripts scripts, NpgsqlDataSource db, PoolHealer healer, SalePool pool,
    ILogger<PoolVerifier> logger) : IPoolVerifier
{
    private readonly ConcurrentDictionary<EndPoint, Task> _running = new();

    public void Request(RedisKey key)
    {
        var server = redis.GetServer(key);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(server.EndPoint, done.Task)) return; // one check per primary at a time in this process
        _ = Task.Run(async () =>
        {
            try
            {
                await VerifyAsync(server, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Checking the pools on {Server} failed; the next claim asks again", server.EndPoint);
            }
            finally
            {
                _running.TryRemove(server.EndPoint, out _);
                done.SetResult();
            }
        });
    }

    /// <summary>
    /// Checks every connected primary that lacks the admit script (at start, and when a connection comes back), and
    /// empties the script cache of replicas that have it: a primary demoted without a restart keeps its cache, and
    /// promoted again it must still answer NOSCRIPT.
    /// </summary>
    public async Task VerifyMissingAsync(CancellationToken ct)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected))
        {
            if (!await server.ScriptExistsAsync(scripts.Admit.Sha1)) { if (!server.IsReplica) await VerifyAsync(server, ct); }
            else if (server.IsReplica) await server.ExecuteAsync("SCRIPT", "FLUSH");
        }
    }

    private async Task VerifyAsync(IServer server, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var sales = await conn.QueryAsync<SaleRow>(new CommandDefinition($"""
            SELECT {SaleStore.Columns}
            FROM sales WHERE status IN ('preloaded', 'paused') AND ends_at > now()
            """, cancellationToken: ct));
        var healed = 0;
        foreach (var sale in sales)
        {
            // The sale's pools this server holds (a sale of several pools has them on several servers).
            bool Here(SaleKeys keys) => redis.GetServer(keys.Meta).EndPoint.Equals(server.EndPoint);
            var here = SalePool.PoolsOf(sale).All.Where(Here).ToList();
            if (here.Count == 0) continue;
            // A pool that is gone is built again from the sale (preloading leaves pools that exist alone), then its
            // booked moves and every recorded claim are replayed into it.
            foreach (var keys in here)
                if (!await redis.GetDatabase().KeyExistsAsync(keys.Meta))
                {
                    await pool.PreloadAsync(sale);
                    break;
                }
            if (sale.Status == SaleStatus.Paused) await pool.SetStatusAsync(sale.SaleId, SalePool.Paused);
            healed += await healer.HealAsync(sale, ct, Here);
        }
        foreach (var script in scripts.Gated) await server.ScriptLoadAsync(script.Source);
        logger.LogInformation("Pools on {Server} checked against PostgreSQL ({Units} lost units put back); admitting again", server.EndPoint, healed);
    }
}
