using Dapper;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Ops;
using FlashSale.Service.Queue;
using Npgsql;
using Prometheus;

namespace FlashSale.Service.Worker;

/// <summary>
/// Confirms a batch of one sale's admitted claims in PostgreSQL in one transaction: records the claims
/// (a redelivered claim is already there and changes nothing) and takes their stock from the sale's
/// inventory row with one conditional UPDATE, so the hot row is written once per batch.
/// </summary>
public sealed class ClaimConfirmer(NpgsqlDataSource db, ILogger<ClaimConfirmer> logger)
{
    /// <summary>
    /// Records new claims as confirmed with their stock taken, and marks them payment-attempted in the same write
    /// (what <see cref="PaymentAttempts"/> does for redelivered ones): the caller charges them right after, so the
    /// reconciler leaves them to the charge.
    /// </summary>
    /// <param name="hold">A hold sale's hold: its claims go in as <c>held</c> until admitted time + hold, not to be charged now.</param>
    /// <returns>The current rows of every claim in the batch, keyed by claim id.</returns>
    public async Task<Dictionary<string, ClaimRow>> ConfirmAsync(string saleId, IReadOnlyList<ClaimMessage> claims, CancellationToken ct,
        TimeSpan? hold = null)
    {
        var status = hold is null ? ClaimStatus.Confirmed : ClaimStatus.Held;
        using var timer = FlashSaleMetrics.ConfirmDuration.NewTimer();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // New claims go in as confirmed: the stock is taken in the same transaction below, and a batch that
        // does not fit is corrected claim by claim before anyone can see it. One write per claim, not two.
        var inserted = (await conn.QueryAsync<(string ClaimId, int Quantity)>(new CommandDefinition("""
            INSERT INTO claims (claim_id, sale_id, user_id, quantity, payment_method_id, status, admitted_at, payment_attempted_at, hold_expires_at)
            SELECT c.claim_id, @saleId, c.user_id, c.quantity, c.payment_method_id, @status, c.admitted_at,
                   CASE WHEN @holdSeconds::integer IS NULL THEN now() END, c.admitted_at + make_interval(secs => @holdSeconds::integer)
            FROM unnest(@ids, @users, @quantities, @paymentMethods, @admittedAt)
                 AS c(claim_id, user_id, quantity, payment_method_id, admitted_at)
            ON CONFLICT DO NOTHING
            RETURNING claim_id, quantity
            """, new
        {
            saleId, status, holdSeconds = hold is null ? (int?)null : (int)hold.Value.TotalSeconds,
            ids = claims.Select(c => c.ClaimId).ToArray(),
            users = claims.Select(c => c.UserId).ToArray(),
            quantities = claims.Select(c => c.Quantity).ToArray(),
            paymentMethods = claims.Select(c => c.PaymentMethodId).ToArray(),
            admittedAt = claims.Select(c => c.AdmittedAt.UtcDateTime).ToArray(),
        }, tx, cancellationToken: ct))).ToList();

        var rejected = inserted.Count > 0 ? await TakeStockAsync(conn, tx, saleId, inserted, status, ct) : [];

        // Only redelivered claims need reading back; the new ones are exactly what was just written.
        var insertedIds = inserted.Select(c => c.ClaimId).ToHashSet();
        var earlier = claims.Where(c => !insertedIds.Contains(c.ClaimId)).Select(c => c.ClaimId).ToArray();
        var rows = earlier.Length == 0 ? [] : (await ClaimRow.ReadAsync(conn, earlier, tx, ct)).ToDictionary(r => r.ClaimId);
        await tx.CommitAsync(ct);

        var now = DateTime.UtcNow;
        foreach (var claim in claims.Where(c => insertedIds.Contains(c.ClaimId)))
        {
            rows[claim.ClaimId] = new ClaimRow
            {
                ClaimId = claim.ClaimId, SaleId = saleId, UserId = claim.UserId, Quantity = claim.Quantity,
                PaymentMethodId = claim.PaymentMethodId, AdmittedAt = claim.AdmittedAt.UtcDateTime, UpdatedAt = now,
                PaymentAttemptedAt = hold is null ? now : null, HoldExpiresAt = hold is null ? null : claim.AdmittedAt.UtcDateTime + hold,
                Status = rejected.Contains(claim.ClaimId) ? ClaimStatus.Rejected : status,
            };
        }
        return rows;
    }

    /// <summary>The recorded rows of these claims (those PostgreSQL has), without recording anything.</summary>
    public async Task<Dictionary<string, ClaimRow>> ReadAsync(IReadOnlyList<string> claimIds, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await ClaimRow.ReadAsync(conn, claimIds, null, ct)).ToDictionary(r => r.ClaimId);
    }

    /// <returns>The claims that did not fit (now rejected); empty in the normal case.</returns>
    private async Task<HashSet<string>> TakeStockAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string saleId, List<(string ClaimId, int Quantity)> inserted, string status, CancellationToken ct)
    {
        var total = inserted.Sum(c => c.Quantity);
        if (await TakeAsync(conn, tx, saleId, total, ct))
        {
            FlashSaleMetrics.Confirmations.WithLabels(status).Inc(inserted.Count);
            return [];
        }

        // The batch does not fit: Redis admitted more than PostgreSQL holds (drift). Take claim by claim,
        // in queue order, and reject what does not fit rather than oversell.
        logger.LogError("Sale {SaleId}: batch of {Units} units exceeds PostgreSQL stock; confirming claim by claim", saleId, total);
        var rejected = new HashSet<string>();
        foreach (var (claimId, quantity) in inserted)
        {
            var fits = await TakeAsync(conn, tx, saleId, quantity, ct);
            FlashSaleMetrics.Confirmations.WithLabels(fits ? status : "rejected").Inc();
            if (fits) continue;
            rejected.Add(claimId);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE claims SET status = 'rejected', updated_at = now() WHERE claim_id = @claimId AND status = @status",
                new { claimId, status }, tx, cancellationToken: ct));
        }
        return rejected;
    }

    private static async Task<bool> TakeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string saleId, int quantity, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE sale_inventory SET sold = sold + @quantity, updated_at = now()
            WHERE sale_id = @saleId AND sold + @quantity <= total
            """, new { saleId, quantity }, tx, cancellationToken: ct)) == 1;
}
