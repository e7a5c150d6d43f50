using Dapper;
using FlashSale.Core;
using FlashSale.Service.Ops;
using FlashSale.Service.Orders;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using Npgsql;

namespace FlashSale.Service.Worker;

/// <summary>What the gateway answered for one claim's charge (succeeded, declined or still unknown).</summary>
public sealed record ChargeAnswer(ChargeRequest Charge, ChargeResult Result);

/// <summary>
/// Records what the gateway said about claims' charges, each as a compare-and-set on the statuses a charge
/// can still change (<c>confirmed</c>, <c>payment_pending</c>), a whole batch in one transaction. A move to
/// <c>paid</c> or <c>payment_failed</c> writes its order event in that transaction; a failed charge also gives
/// the units back, in PostgreSQL in that transaction (with the return's intent, <see cref="StockReturns"/>) and
/// then in Redis; a return cut short in between is applied again by the next call or by the reconciler.
/// </summary>
public sealed class ClaimPaymentRecorder(NpgsqlDataSource db, StockReturns returns, OwedRefunds refunds, ILogger<ClaimPaymentRecorder> logger)
{
    /// <summary>
    /// Succeeded → paid, declined → payment_failed with the units back, unknown → payment_pending (the claim keeps
    /// its stock and waits for the pending settler). Circuit-open and refused answers must not be passed: nothing happened.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<ChargeAnswer> answers, string by, CancellationToken ct)
    {
        if (answers.Any(a => a.Result.Outcome is ChargeOutcome.CircuitOpen or ChargeOutcome.Refused))
            throw new ArgumentException("A charge that was never sent has nothing to record.", nameof(answers));
        var paid = answers.Where(a => a.Result.Outcome == ChargeOutcome.Succeeded).ToList();
        var failed = answers.Where(a => a.Result.Outcome == ChargeOutcome.Declined).ToList();
        var pending = answers.Where(a => a.Result.Outcome == ChargeOutcome.Transient).ToList();

        int paidMoved, failedMoved, heldAgain;
        List<string> pendingMoved, refundsOwed;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            (paidMoved, refundsOwed) = paid.Count == 0 ? (0, []) : await RecordPaidAsync(conn, tx, paid, ct);
            (failedMoved, heldAgain) = failed.Count == 0 ? (0, 0) : await RecordFailedAsync(conn, tx, failed, ct);
            pendingMoved = pending.Count == 0 ? [] : (await conn.QueryAsync<string>(new CommandDefinition("""
                UPDATE claims SET status = 'payment_pending', updated_at = now()
                WHERE claim_id = ANY(@ids) AND status = 'confirmed'
                RETURNING claim_id
                """, new { ids = pending.Select(a => a.Charge.ClaimId).ToArray() }, tx, cancellationToken: ct))).AsList();
            await tx.CommitAsync(ct);
        }

        if (paidMoved > 0) FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.Paid, by).Inc(paidMoved);
        if (failedMoved > 0) FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.PaymentFailed, by).Inc(failedMoved);
        if (heldAgain > 0) FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.Held, by).Inc(heldAgain);
        if (paidMoved + failedMoved + heldAgain < paid.Count + failed.Count)
            logger.LogInformation("{Count} claims were already settled by someone else", paid.Count + failed.Count - paidMoved - failedMoved - heldAgain);
        if (pendingMoved.Count > 0)
        {
            FlashSaleMetrics.PaymentSettlements.WithLabels(ClaimStatus.PaymentPending, "worker").Inc(pendingMoved.Count);
            var errors = pending.ToDictionary(a => a.Charge.ClaimId, a => a.Result.Error ?? "unknown");
            foreach (var claimId in pendingMoved)
                logger.LogWarning("Charge of claim {ClaimId} is unknown after retries ({Error}); it is payment_pending until the gateway tells", claimId, errors[claimId]);
        }
        // The returns just recorded, and those of an earlier attempt that died before its Redis step.
        if (failed.Count > 0) await returns.ApplyAsync(failed.Select(a => a.Charge.ClaimId).ToList(), ct);
        if (refundsOwed.Count > 0) await refunds.SettleAsync(refundsOwed, ct);
    }

    /// <returns>Claims paid now, and claims that were paid by another payment or had ended and so owe this one's refund.</returns>
    private static async Task<(int Moved, List<string> RefundsOwed)> RecordPaidAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<ChargeAnswer> paid, CancellationToken ct)
    {
        var moved = (await conn.QueryAsync<string>(new CommandDefinition("""
            UPDATE claims c SET status = 'paid', payment_id = p.payment_id, order_id = p.order_id, last_payment_error = NULL, updated_at = now()
            FROM unnest(@ids, @paymentIds, @orderIds) AS p(claim_id, payment_id, order_id)
            WHERE c.claim_id = p.claim_id AND c.status IN ('confirmed', 'payment_pending')
            RETURNING c.claim_id
            """, new
        {
            ids = paid.Select(a => a.Charge.ClaimId).ToArray(),
            paymentIds = paid.Select(a => a.Result.PaymentId!).ToArray(),
            orderIds = paid.Select(a => Ids.OrderIdFor(a.Charge.ClaimId)).ToArray(),
        }, tx, cancellationToken: ct))).ToHashSet();
        await OrderEventOutbox.AddAsync(conn, tx, paid.Where(a => moved.Contains(a.Charge.ClaimId)).Select(a => new OrderEventRow(
            OrderEvent.OrderPaid, Ids.OrderIdFor(a.Charge.ClaimId), a.Charge.ClaimId, a.Charge.SaleId, a.Charge.AmountCents,
            a.Charge.Currency, a.Result.PaymentId, null)).ToList(), ct);
        var late = paid.Where(a => !moved.Contains(a.Charge.ClaimId)).ToList();
        if (late.Count == 0) return (moved.Count, []);
        // A success for a claim that already ended, or was paid by another of its payments (a client confirm won the
        // race): at most one payment is kept per claim, so this one is refunded.
        var owed = (await conn.QueryAsync<string>(new CommandDefinition("""
            UPDATE claims c SET refund_payment_id = p.payment_id, updated_at = now()
            FROM unnest(@ids, @paymentIds) AS p(claim_id, payment_id)
            WHERE c.claim_id = p.claim_id AND c.refund_payment_id IS NULL AND c.payment_id IS DISTINCT FROM p.payment_id
              AND c.status IN ('paid', 'expired', 'released', 'payment_failed')
            RETURNING c.claim_id
            """, new { ids = late.Select(a => a.Charge.ClaimId).ToArray(), paymentIds = late.Select(a => a.Result.PaymentId!).ToArray() },
            tx, cancellationToken: ct))).AsList();
        return (moved.Count, owed);
    }

    /// <returns>Claims failed (units back), and holds back to held for another attempt.</returns>
    private static async Task<(int Failed, int HeldAgain)> RecordFailedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<ChargeAnswer> failed, CancellationToken ct)
    {
        var ids = failed.Select(a => a.Charge.ClaimId).ToArray();
        // A hold whose buyer has attempts left goes back to held, its units still theirs, to try another payment
        // method (the expirer ends it if its time is up); every other decline fails the claim and gives the units back.
        var answered = (await conn.QueryAsync<(string ClaimId, string SaleId, int Quantity, string Status)>(new CommandDefinition("""
            UPDATE claims c SET
                status = CASE WHEN c.hold_expires_at IS NOT NULL AND c.payment_attempts < s.max_payment_attempts THEN 'held' ELSE 'payment_failed' END,
                failure_reason = CASE WHEN c.hold_expires_at IS NOT NULL AND c.payment_attempts < s.max_payment_attempts THEN NULL ELSE p.reason END,
                last_payment_error = p.reason, updated_at = now()
            FROM unnest(@ids, @reasons) AS p(claim_id, reason), sales s
            WHERE c.claim_id = p.claim_id AND s.sale_id = c.sale_id AND c.status IN ('confirmed', 'payment_pending')
            RETURNING c.claim_id, c.sale_id, c.quantity, c.status
            """, new { ids, reasons = failed.Select(a => a.Result.DeclineCode!).ToArray() }, tx, cancellationToken: ct))).AsList();
        var moved = answered.Where(a => a.Status == ClaimStatus.PaymentFailed).Select(a => (a.ClaimId, a.SaleId, a.Quantity)).ToList();
        await StockReturns.GiveBackAsync(conn, tx, moved, ct);
        var movedIds = moved.Select(m => m.ClaimId).ToHashSet();
        await OrderEventOutbox.AddAsync(conn, tx, failed.Where(a => movedIds.Contains(a.Charge.ClaimId)).Select(a => new OrderEventRow(
            OrderEvent.OrderPaymentFailed, null, a.Charge.ClaimId, a.Charge.SaleId, a.Charge.AmountCents, a.Charge.Currency,
            null, a.Result.DeclineCode)).ToList(), ct);
        return (moved.Count, answered.Count - moved.Count);
    }
}
