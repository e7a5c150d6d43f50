using Dapper;
using FlashSale.Service.Sales;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Reconciliation;

/// <summary>
/// The worker role's reconciler. One process at a time reconciles, the holder of a PostgreSQL advisory lock:
/// two reconcilers would not corrupt anything (every repair is a compare-and-set) but would repeat work.
/// </summary>
public sealed class Reconciler(
    NpgsqlDataSource db, SaleReconciler reconciler, TimeProvider clock, IOptions<ReconcilerOptions> options, ILogger<Reconciler> logger)
    : BackgroundService
{
    // Two-key advisory lock: our class id plus the schema, so deployments sharing a database each have a leader.
    private const int LeaderLockClass = 0x46535243;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        NpgsqlConnection? leader = null;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    leader = await LeadAsync(leader, stoppingToken);
                    if (leader is not null) await PassAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Reconciliation pass failed; retrying next interval");
                    if (leader is not null) await leader.DisposeAsync();
                    leader = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Closing the session releases the advisory lock for the next reconciler.
            if (leader is not null) await leader.DisposeAsync();
        }
    }

    /// <returns>The connection holding the lock while this process leads; null while another one does.</returns>
    private async Task<NpgsqlConnection?> LeadAsync(NpgsqlConnection? held, CancellationToken ct)
    {
        if (held is { State: System.Data.ConnectionState.Open }) return held;
        var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(@lockClass, hashtext(current_schema()))", new { lockClass = LeaderLockClass }, cancellationToken: ct)))
        {
            logger.LogInformation("This process now runs the reconciler");
            return conn;
        }
        await conn.DisposeAsync();
        return null;
    }

    private async Task PassAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // Open sales, and closed ones while they still have claims to settle or closed recently (each probe of a sale's
        // unsettled claims reads one partial index: claims_active_idx, claims_held_idx).
        var sales = await conn.QueryAsync<SaleRow>(new CommandDefinition($"""
            SELECT {SaleStore.Columns}
            FROM sales s
            WHERE s.status IN ('preloaded', 'paused')
               OR (s.status = 'closed' AND s.updated_at > now() - interval '1 hour')
               OR EXISTS (SELECT 1 FROM claims c WHERE c.sale_id = s.sale_id AND c.status IN ('admitted', 'confirmed', 'payment_pending'))
               OR EXISTS (SELECT 1 FROM claims c WHERE c.sale_id = s.sale_id AND c.status = 'held')
            ORDER BY s.starts_at DESC LIMIT 500
            """, cancellationToken: ct));
        foreach (var sale in sales)
        {
            try
            {
                await reconciler.ReconcileAsync(sale, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && e is not Npgsql.NpgsqlException && e is not StackExchange.Redis.RedisConnectionException)
            {
                // One sale that cannot be read (e.g. a pool written by an older format) must not stop the others';
                // a store that is down fails the whole pass as before.
                logger.LogError(e, "Reconciling sale {SaleId} failed; the other sales go on", sale.SaleId);
            }
        }
    }
}
