using Dapper;
using FlashSale.Core;
using FlashSale.Service.Ops;
using FlashSale.Service.Orders;
using FlashSale.Service.Payments;
using FlashSale.Service.Sales;
using Npgsql;

namespace FlashSale.Service.Worker;

/// <summary>
/// Records what the gateway said about a claim's charge, each as a compare-and-set on the statuses a charge
/// can still change (<c>confirmed</c>, <c>payment_pending</c>). A move to <c>paid</c> or <c>payment_failed</c>
/// writes its order event in the same transaction; a failed charge also gives the units back, in PostgreSQL
/// in that transaction and then in Redis (idempotent, so a crash in between is repaired on the next call).
/// </summary>
public sealed class ClaimPaymentRecorder(NpgsqlDataSource db, SalePool pool, ILogger<ClaimPaymentRecorder> logger)
{
    public async Task RecordPaidAsync(ChargeRequest charge, string paymentId, string by, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var orderId = Ids.OrderIdFor(charge.ClaimId);
        var moved = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE claims SET status = 'paid', payment_id = @paymentId, order_id = @orderId, updated_at = now()
            WHERE claim_id = @ClaimId AND status IN ('confirmed', 'payment_pending')
            """, new { charge.ClaimId, paymentId, orderId }, tx, cancellationToken: ct));
        if (moved == 1)
            await OrderEventOutbox.AddAsync(conn, tx, OrderEvent.OrderPaid, orderId, charge.ClaimId, charge.SaleId,
                charge.AmountCents, charge.Currency, paymentId, null, ct);
        await tx.CommitAsync(ct);
        if (moved == 1) FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.Paid, by).Inc();
        else logger.LogInformation("Claim {ClaimId} was already settled by someone else", charge.ClaimId);
    }

    /// <summary>Moves the claim to payment_failed and makes sure its units are back in the sale, in both stores.</summary>
    public async Task RecordFailedAsync(ChargeRequest charge, int quantity, string reason, string by, CancellationToken ct)
    {
        string? status;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var moved = await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE claims SET status = 'payment_failed', failure_reason = @reason, updated_at = now()
                WHERE claim_id = @ClaimId AND status IN ('confirmed', 'payment_pending')
                """, new { charge.ClaimId, reason }, tx, cancellationToken: ct));
            if (moved == 1)
            {
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE sale_inventory SET sold = sold - @quantity, updated_at = now() WHERE sale_id = @SaleId
                    """, new { quantity, charge.SaleId }, tx, cancellationToken: ct));
                await OrderEventOutbox.AddAsync(conn, tx, OrderEvent.OrderPaymentFailed, null, charge.ClaimId, charge.SaleId,
                    charge.AmountCents, charge.Currency, null, reason, ct);
                FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.PaymentFailed, by).Inc();
            }
            status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
                "SELECT status FROM claims WHERE claim_id = @ClaimId", new { charge.ClaimId }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        // Also when an earlier attempt failed it but died before the release: release.lua runs once per claim.
        if (status == ClaimStatus.PaymentFailed) await pool.ReleaseAsync(charge.SaleId, charge.ClaimId);
    }

    /// <summary>The charge's fate is unknown: the claim keeps its stock and waits for the pending settler.</summary>
    public async Task RecordPendingAsync(ChargeRequest charge, string error, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var moved = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE claims SET status = 'payment_pending', updated_at = now()
            WHERE claim_id = @ClaimId AND status = 'confirmed'
            """, new { charge.ClaimId }, cancellationToken: ct));
        if (moved == 1)
        {
            FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.PaymentPending, "worker").Inc();
            logger.LogWarning("Charge of claim {ClaimId} is unknown after retries ({Error}); it is payment_pending until the gateway tells", charge.ClaimId, error);
        }
    }
}
