using System.Globalization;
using Dapper;
using FlashSale.Core;
using FlashSale.Service.Ops;
using FlashSale.Service.Orders;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using Npgsql;
using Stripe;

namespace FlashSale.Service.StripeWebhooks;

/// <summary>
/// Applies one verified Stripe event, once: the event's row (its id the key, its raw payload kept) is written in the
/// same transaction as the claim's move, so a re-sent event finds its row and changes nothing. Every move is a
/// compare-and-set on the claim's status (and, for a decline, on the attempt the event is about), so events out of
/// order, or after the worker already recorded the same answer, are harmless. A payment the claim cannot keep (its
/// hold ended, or another payment of it was kept) is owed a refund (<see cref="OwedRefunds"/>).
/// </summary>
public sealed class StripeEventApplier(NpgsqlDataSource db, StockReturns returns, OwedRefunds refunds, ILogger<StripeEventApplier> logger)
{
    public const string Duplicate = "duplicate";

    /// <returns>What applying it did, as recorded with the event.</returns>
    public async Task<string> ApplyAsync(Event stripeEvent, string payload, CancellationToken ct)
    {
        var intent = stripeEvent.Data?.Object as PaymentIntent;
        var claimId = intent?.Metadata?.GetValueOrDefault("claim_id");
        var attempt = int.TryParse(intent?.Metadata?.GetValueOrDefault("attempt"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        string outcome;
        await using (var conn = await db.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var fresh = await conn.ExecuteAsync(new CommandDefinition("""
                INSERT INTO stripe_events (event_id, type, payment_intent_id, claim_id, payload, outcome)
                VALUES (@id, @type, @intentId, @claimId, @payload, 'received')
                ON CONFLICT (event_id) DO NOTHING
                """, new { id = stripeEvent.Id, type = stripeEvent.Type, intentId = intent?.Id, claimId, payload }, tx, cancellationToken: ct));
            if (fresh == 0)
            {
                await tx.CommitAsync(ct);
                return Duplicate;
            }
            outcome = intent is null || claimId is null
                ? "ignored: not a FlashSale payment"
                : stripeEvent.Type switch
                {
                    EventTypes.PaymentIntentSucceeded => await SucceededAsync(conn, tx, claimId, intent, ct),
                    EventTypes.PaymentIntentPaymentFailed => await FailedAsync(conn, tx, claimId, attempt, intent, DeclineCodeOf(intent), ct),
                    EventTypes.PaymentIntentCanceled => await FailedAsync(conn, tx, claimId, attempt, intent, "canceled", ct),
                    _ => "ignored: " + stripeEvent.Type,
                };
            await conn.ExecuteAsync(new CommandDefinition("UPDATE stripe_events SET outcome = @outcome WHERE event_id = @id",
                new { outcome, id = stripeEvent.Id }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        FlashSaleMetrics.StripeEvents.WithLabels(stripeEvent.Type, outcome.StartsWith("ignored", StringComparison.Ordinal) ? "ignored" : outcome).Inc();
        if (outcome is ClaimStatus.PaymentFailed or Outcomes.ExpiredRefundOwed) await returns.ApplyAsync([claimId!], ct);
        if (outcome is Outcomes.RefundOwed or Outcomes.ExpiredRefundOwed) await refunds.SettleAsync([claimId!], ct);
        return outcome;
    }

    private static class Outcomes
    {
        public const string RefundOwed = "refund_owed";
        public const string ExpiredRefundOwed = "expired_refund_owed";
    }

    private async Task<string> SucceededAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string claimId, PaymentIntent intent, CancellationToken ct)
    {
        // Paid while the claim can keep it: a charge in flight, or a hold whose time is not up.
        var moved = await conn.QueryFirstOrDefaultAsync<string>(new CommandDefinition("""
            UPDATE claims c SET status = 'paid', payment_id = @paymentId, order_id = @orderId, last_payment_error = NULL, client_attempt = NULL,
                   failure_reason = NULL, updated_at = now()
            WHERE c.claim_id = @claimId
              AND (c.status IN ('confirmed', 'payment_pending') OR (c.status = 'held' AND c.hold_expires_at > now()))
            RETURNING c.sale_id
            """, new { claimId, paymentId = intent.Id, orderId = Ids.OrderIdFor(claimId) }, tx, cancellationToken: ct));
        if (moved is not null)
        {
            await OrderEventOutbox.AddAsync(conn, tx, [new OrderEventRow(OrderEvent.OrderPaid, Ids.OrderIdFor(claimId), claimId, moved,
                intent.Amount, intent.Currency, intent.Id, null)], ct);
            return ClaimStatus.Paid;
        }

        var claim = await conn.QueryFirstOrDefaultAsync<(string SaleId, int Quantity, string Status, string? PaymentId, string? RefundPaymentId)>(
            new CommandDefinition("SELECT sale_id, quantity, status, payment_id, refund_payment_id FROM claims WHERE claim_id = @claimId FOR UPDATE",
                new { claimId }, tx, cancellationToken: ct));
        if (claim.Status is null) return "ignored: unknown claim";
        if (claim.Status == ClaimStatus.Paid && claim.PaymentId == intent.Id) return "already_paid";
        if (claim.RefundPaymentId == intent.Id) return "refund_already_owed";
        if (claim.RefundPaymentId is not null)
        {
            // One refund key per claim: a third payment of one claim is for a person to refund.
            logger.LogError("Claim {ClaimId} received another payment after one was already refunded; refund {PaymentId} by hand", claimId, intent.Id);
            return "ignored: a refund of this claim is already owed";
        }
        if (claim.Status == ClaimStatus.Held)
        {
            // Its time is up but the expirer has not come by yet: end the hold here, units back, and refund.
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE claims SET status = 'expired', failure_reason = 'hold_expired', client_attempt = NULL, refund_payment_id = @paymentId, updated_at = now()
                WHERE claim_id = @claimId AND status = 'held'
                """, new { claimId, paymentId = intent.Id }, tx, cancellationToken: ct));
            await StockReturns.GiveBackAsync(conn, tx, [(claimId, claim.SaleId, claim.Quantity)], ct);
            return Outcomes.ExpiredRefundOwed;
        }
        if (claim.Status is ClaimStatus.Admitted)
        {
            // Not recorded by a worker yet, so not ours to refund or keep: Stripe re-sends the event.
            throw new ClaimNotRecordedYetException(claimId);
        }
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE claims SET refund_payment_id = @paymentId, updated_at = now() WHERE claim_id = @claimId AND refund_payment_id IS NULL",
            new { claimId, paymentId = intent.Id }, tx, cancellationToken: ct));
        return Outcomes.RefundOwed;
    }

    private static async Task<string> FailedAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string claimId, int attempt, PaymentIntent intent, string reason, CancellationToken ct)
    {
        // Only the attempt the event is about: a late decline of an earlier attempt must not fail the buyer's next one.
        var moved = await conn.QueryFirstOrDefaultAsync<(string SaleId, int Quantity, string Status)>(new CommandDefinition("""
            UPDATE claims c SET
                status = CASE WHEN c.hold_expires_at IS NOT NULL AND c.payment_attempts < s.max_payment_attempts THEN 'held' ELSE 'payment_failed' END,
                failure_reason = CASE WHEN c.hold_expires_at IS NOT NULL AND c.payment_attempts < s.max_payment_attempts THEN NULL ELSE @reason END,
                last_payment_error = @reason, client_attempt = NULL, updated_at = now()
            FROM sales s
            WHERE c.claim_id = @claimId AND s.sale_id = c.sale_id AND c.payment_attempts = @attempt
              AND ((c.status = 'held' AND c.client_attempt = @attempt) OR c.status = 'payment_pending' OR (c.status = 'confirmed' AND @attempt = 0))
            RETURNING c.sale_id, c.quantity, c.status
            """, new { claimId, attempt, reason }, tx, cancellationToken: ct));
        if (moved.Status is null) return "ignored: the claim is no longer waiting for this attempt";
        if (moved.Status == ClaimStatus.Held) return ClaimStatus.Held;
        await StockReturns.GiveBackAsync(conn, tx, [(claimId, moved.SaleId, moved.Quantity)], ct);
        await OrderEventOutbox.AddAsync(conn, tx, [new OrderEventRow(OrderEvent.OrderPaymentFailed, null, claimId, moved.SaleId,
            intent.Amount, intent.Currency, null, reason)], ct);
        return ClaimStatus.PaymentFailed;
    }

    private static string DeclineCodeOf(PaymentIntent intent) =>
        intent.LastPaymentError?.DeclineCode ?? intent.LastPaymentError?.Code ?? "card_declined";
}

/// <summary>An event about a claim no worker has recorded yet: answered 503 so that Stripe sends it again later.</summary>
public sealed class ClaimNotRecordedYetException(string claimId) : Exception($"Claim {claimId} is not recorded yet.");
