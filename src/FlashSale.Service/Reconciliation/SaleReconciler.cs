using Dapper;
using FlashSale.Service.Claims;
using FlashSale.Service.Ops;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Reconciliation;

/// <summary>
/// One reconciliation pass over one sale: claims admitted in Redis that never reached PostgreSQL are
/// queued again (or expired once too old), stale reservations with no payment attempt are expired and
/// their stock returned, and drift between Redis and PostgreSQL is measured and repaired from PostgreSQL.
/// Every change is a compare-and-set, so a worker still handling a claim loses or wins cleanly.
/// </summary>
public sealed partial class SaleReconciler(
    NpgsqlDataSource db, IConnectionMultiplexer redis, SalePool pool, StockReturns returns, ActiveSales activeSales, PoolHealer healer, RepairLog repairs,
    PoolTransfers transfers, TimeProvider clock, IOptions<ReconcilerOptions> options, IOptions<QueueOptions> queue)
{
    // A move between pools younger than this is still its mover's to finish.
    private static readonly TimeSpan OpenMoveGrace = TimeSpan.FromSeconds(5);

    private ReconcilerOptions Options => options.Value;

    public async Task ReconcileAsync(SaleRow sale, CancellationToken ct)
    {
        var pools = SalePool.PoolsOf(sale);
        if (pools.Sharded)
        {
            await transfers.CompleteOpenAsync(pools, OpenMoveGrace, ct);
            await ReconcilePoolsAsync(sale, pools, ct);
            return;
        }
        var keys = new SaleKeys(sale.SaleId);
        var redisDb = redis.GetDatabase();
        // Only a drained queue says anything about lost claims: while entries wait, PostgreSQL lags by design.
        // On Kafka a drained Redis stream only means the relay handed the claims to the broker, which keeps
        // them durably (acks=all) until a worker records them: nothing to re-queue from here.
        // The admitted count is read first: every claim it counts was queued before the length is read, so a
        // drained queue means each of them was handled. Read the other way round, a claim admitted in between
        // would look lost and cost a read of the whole claims hash on a live sale.
        var admitted = (long?)await redisDb.HashGetAsync(keys.Meta, "admitted") ?? 0;
        var drained = await redisDb.StreamLengthAsync(keys.Queue) == 0;
        if (drained && queue.Value.Transport == "redis") await RecoverUnrecordedAsync(sale, keys, admitted, redisDb, ct);
        await ExpireStaleAsync(sale, ct);
        // Returns whose Redis step failed or was cut short (their process died, or Redis was away).
        await returns.ApplyOutstandingAsync(sale.SaleId, ct);
        if (drained) await RepairDriftAsync(sale, keys, redisDb, ct);
    }

    private async Task RecoverUnrecordedAsync(SaleRow sale, SaleKeys keys, long admitted, IDatabase redisDb, CancellationToken ct)
    {
        long recorded;
        await using (var conn = await db.OpenConnectionAsync(ct))
            recorded = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT coalesce(sum(quantity), 0) FROM claims WHERE sale_id = @SaleId", sale, cancellationToken: ct));
        await RecoverUnrecordedAsync(sale, keys, admitted, recorded, redisDb, ct);
    }

    /// <param name="recorded">Units of the pool's claims PostgreSQL recorded.</param>
    private async Task RecoverUnrecordedAsync(SaleRow sale, SaleKeys keys, long admitted, long recorded, IDatabase redisDb, CancellationToken ct)
    {
        if (admitted < recorded)
        {
            // Redis counts fewer admits than PostgreSQL recorded: it lost writes (a failover without WAIT, or a
            // restart under appendfsync everysec). Put them back from PostgreSQL.
            await healer.HealAsync(sale, ct);
            return;
        }
        if (admitted == recorded) return; // the common case: every admitted unit is in PostgreSQL

        await using var conn = await db.OpenConnectionAsync(ct);
        var startsAtMs = (long)await redisDb.HashGetAsync(keys.Meta, "startsAt");
        var pool = (await redisDb.HashGetAllAsync(keys.Claims)).Select(e => PoolClaim.Parse(e.Name, e.Value!, startsAtMs)).ToList();
        var inPostgres = (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT claim_id FROM claims WHERE claim_id = ANY(@ids)", new { ids = pool.Select(c => c.ClaimId).ToArray() }, cancellationToken: ct))).ToHashSet();
        var now = clock.GetUtcNow();
        foreach (var claim in pool.Where(c => !inPostgres.Contains(c.ClaimId) && now - c.AdmittedAt >= Options.RequeueGrace))
        {
            if (now - claim.AdmittedAt >= Options.ReservationTtl) await ExpireUnrecordedAsync(sale, claim, ct);
            else await RequeueAsync(sale, claim, keys, redisDb, ct);
        }
    }

    private async Task RequeueAsync(SaleRow sale, PoolClaim claim, SaleKeys keys, IDatabase redisDb, CancellationToken ct)
    {
        // The worker's confirm is insert-if-absent, so a claim queued twice is still confirmed once. Workers stop
        // polling an ended sale's drained queue: make sure they look at it again.
        await activeSales.AddAsync(keys.Tag);
        await redisDb.StreamAddAsync(keys.Queue,
            QueueEntry.Fields(new ClaimMessage(claim.ClaimId, sale.SaleId, claim.UserId, claim.Quantity, claim.PaymentMethodId, claim.AdmittedAt)));
        await repairs.RecordAsync(sale.SaleId, RepairLog.Requeued, claim.ClaimId, claim.Quantity,
            "admitted in Redis but neither recorded in PostgreSQL nor queued; queued again", ct);
    }

    private async Task ExpireUnrecordedAsync(SaleRow sale, PoolClaim claim, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var inserted = await conn.ExecuteAsync(new CommandDefinition("""
                INSERT INTO claims (claim_id, sale_id, user_id, quantity, payment_method_id, status, failure_reason, admitted_at)
                VALUES (@ClaimId, @SaleId, @UserId, @Quantity, @PaymentMethodId, 'expired', 'reservation_expired', @AdmittedAt)
                ON CONFLICT DO NOTHING
                """, new { claim.ClaimId, sale.SaleId, claim.UserId, claim.Quantity, claim.PaymentMethodId, AdmittedAt = claim.AdmittedAt.UtcDateTime },
                tx, cancellationToken: ct));
            if (inserted == 0) return; // the worker recorded it after all
            await StockReturns.RecordAsync(conn, tx, sale.SaleId, [claim.ClaimId], ct);
            await tx.CommitAsync(ct);
        }
        await returns.ApplyAsync([claim.ClaimId], ct);
        await repairs.RecordAsync(sale.SaleId, RepairLog.Expired, claim.ClaimId, claim.Quantity,
            "never reached PostgreSQL within the reservation time; expired and its stock returned", ct);
    }

    private async Task ExpireStaleAsync(SaleRow sale, CancellationToken ct)
    {
        var cutoff = (clock.GetUtcNow() - Options.ReservationTtl).UtcDateTime;
        await using var conn = await db.OpenConnectionAsync(ct);
        var stale = (await conn.QueryAsync<string>(new CommandDefinition("""
            SELECT claim_id FROM claims
            WHERE sale_id = @saleId AND status IN ('admitted', 'confirmed') AND payment_attempted_at IS NULL AND updated_at < @cutoff
            LIMIT 1000
            """, new { saleId = sale.SaleId, cutoff }, cancellationToken: ct))).AsList();
        foreach (var claimId in stale)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            // The compare-and-set a worker loses cleanly: once it marked a payment attempt, nothing happens here.
            var expired = await conn.QuerySingleOrDefaultAsync<ExpiredClaim>(new CommandDefinition("""
                UPDATE claims c SET status = 'expired', failure_reason = 'reservation_expired', updated_at = now()
                FROM (SELECT claim_id, status AS old_status FROM claims WHERE claim_id = @claimId FOR UPDATE) old
                WHERE c.claim_id = old.claim_id AND c.status IN ('admitted', 'confirmed') AND c.payment_attempted_at IS NULL
                RETURNING c.quantity, old.old_status = 'confirmed' AS was_confirmed
                """, new { claimId }, tx, cancellationToken: ct));
            // Only a confirmed claim had its units counted as sold in PostgreSQL; Redis admitted both.
            if (expired is { WasConfirmed: true }) await StockReturns.GiveBackAsync(conn, tx, [(claimId, sale.SaleId, expired.Quantity)], ct);
            else if (expired is not null) await StockReturns.RecordAsync(conn, tx, sale.SaleId, [claimId], ct);
            await tx.CommitAsync(ct);
            if (expired is null) continue;
            await returns.ApplyAsync([claimId], ct);
            await repairs.RecordAsync(sale.SaleId, RepairLog.Expired, claimId, expired.Quantity,
                $"held stock past the reservation time ({Options.ReservationTtl}) with no payment attempt; expired and its stock returned", ct);
        }
    }

    private async Task RepairDriftAsync(SaleRow sale, SaleKeys keys, IDatabase redisDb, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // Read Redis first: a claim admitted after this read changes the counters and voids the repair below.
        var remaining = await redisDb.StringGetAsync(keys.Remaining);
        var meta = await redisDb.HashGetAsync(keys.Meta, ["admitted", "released"]);
        if (remaining.IsNull) return; // never preloaded
        var state = await conn.QuerySingleAsync<(int Total, int Sold, int Unsettled, int Recorded, int Returning)>(new CommandDefinition("""
            SELECT i.total, i.sold,
                   (SELECT count(*) FROM claims WHERE sale_id = @SaleId AND status IN ('admitted', 'confirmed', 'payment_pending'))::int,
                   (SELECT coalesce(sum(quantity), 0) FROM claims WHERE sale_id = @SaleId)::int,
                   (SELECT count(*) FROM stock_returns WHERE sale_id = @SaleId)::int
            FROM sale_inventory i WHERE i.sale_id = @SaleId
            """, sale, cancellationToken: ct));
        // Comparable only when nothing is in flight, every admitted unit is recorded in PostgreSQL (a claim still
        // missing there is the re-queue's business, not drift) and no return is on its way to Redis: PostgreSQL
        // already counts those units back, Redis not yet, and setting Redis from PostgreSQL now would return them twice.
        if (state.Unsettled > 0 || state.Recorded != ((int?)meta[0] ?? 0) || state.Returning > 0) return;
        var drift = state.Total - state.Sold - (int)remaining;
        FlashSaleMetrics.Drift.WithLabels(sale.SaleId).Set(drift);
        if (drift == 0) return;

        if (await pool.RepairRemainingAsync(keys, remaining, meta[0], meta[1], state.Total - state.Sold))
            await repairs.RecordAsync(sale.SaleId, RepairLog.DriftRepaired, null, drift,
                $"Redis remaining {(int)remaining} set to PostgreSQL's {state.Total - state.Sold} (total {state.Total} - sold {state.Sold})", ct);
    }
}

internal sealed class ExpiredClaim
{
    public int Quantity { get; init; }
    public bool WasConfirmed { get; init; }
}
