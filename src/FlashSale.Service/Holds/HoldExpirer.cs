using Dapper;
using FlashSale.Service.Pool;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Holds;

/// <summary>
/// Ends holds whose time is up: <c>held</c> → <c>expired</c> by a compare-and-set, their units back in PostgreSQL
/// with the return's intent in the same transaction, then in Redis (<see cref="StockReturns"/>), so each unit goes
/// back exactly once. It finds the due holds through the partial index on their expiry, not by a sweep of every
/// claim; the workers' expirers share the work (<c>FOR UPDATE SKIP LOCKED</c>).
/// </summary>
public sealed class HoldExpirer(
    NpgsqlDataSource db, StockReturns returns, IOptions<HoldOptions> options, TimeProvider clock, ILogger<HoldExpirer> logger) : BackgroundService
{
    private HoldOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var expired = 0;
            var pause = Options.ExpiryInterval;
            try
            {
                expired = await ExpireDueAsync(stoppingToken);
                pause = await UntilNextDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Expiring holds failed; trying again in {Interval}", Options.ExpiryInterval);
            }
            if (expired < Options.ExpiryBatchSize)
                await Task.Delay(pause, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Sleeps until the next hold is due rather than a whole interval, so a hold ends a write after its time, not up to
    /// an interval after; the interval still caps the sleep, for holds made meanwhile. One read of the partial index.
    /// </summary>
    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var next = await conn.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT min(hold_expires_at) FROM claims WHERE status = 'held'", cancellationToken: ct));
        if (next is null) return Options.ExpiryInterval;
        var wait = DateTime.SpecifyKind(next.Value, DateTimeKind.Utc) - clock.GetUtcNow().UtcDateTime;
        return TimeSpan.FromTicks(Math.Clamp(wait.Ticks, TimeSpan.FromMilliseconds(5).Ticks, Options.ExpiryInterval.Ticks));
    }

    /// <returns>How many holds ended.</returns>
    public async Task<int> ExpireDueAsync(CancellationToken ct)
    {
        List<(string ClaimId, string SaleId, int Quantity)> expired;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            expired = (await conn.QueryAsync<(string ClaimId, string SaleId, int Quantity)>(new CommandDefinition("""
                UPDATE claims c SET status = 'expired', failure_reason = 'hold_expired', updated_at = now()
                WHERE c.claim_id IN (
                    SELECT claim_id FROM claims
                    WHERE status = 'held' AND hold_expires_at <= now()
                    ORDER BY hold_expires_at
                    LIMIT @ExpiryBatchSize
                    FOR UPDATE SKIP LOCKED)
                  AND c.status = 'held'
                RETURNING c.claim_id, c.sale_id, c.quantity
                """, Options, tx, cancellationToken: ct))).AsList();
            if (expired.Count == 0) return 0;
            await StockReturns.GiveBackAsync(conn, tx, expired, ct);
            await tx.CommitAsync(ct);
        }
        await returns.ApplyAsync(expired.Select(e => e.ClaimId).ToList(), ct);
        logger.LogInformation("{Count} holds expired; their units are back on sale", expired.Count);
        return expired.Count;
    }
}
