using Dapper;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Ops;
using FlashSale.Service.Payments;
using FlashSale.Service.Sales;
using Npgsql;

namespace FlashSale.Service.Worker;

/// <summary>
/// Charges a confirmed claim and records the outcome with a compare-and-set on <c>confirmed</c>; a decline
/// gives the units back to the sale, in PostgreSQL and then in Redis.
/// </summary>
public sealed class PaymentSettler(NpgsqlDataSource db, IPaymentGateway gateway, SalePool pool, ILogger<PaymentSettler> logger)
{
    /// <returns>True when the claim reached a terminal status; false when the charge must be tried again.</returns>
    public async Task<bool> SettleAsync(ClaimRow claim, SaleRow sale, CancellationToken ct)
    {
        var result = await gateway.ChargeAsync(new ChargeRequest(
            ChargeRequest.IdempotencyKeyFor(claim.ClaimId), sale.PriceCents * claim.Quantity, sale.Currency,
            claim.PaymentMethodId, sale.SaleId, claim.ClaimId), ct);
        FlashSaleMetrics.Payments.WithLabels(result.Outcome.ToString().ToLowerInvariant()).Inc();

        switch (result.Outcome)
        {
            case ChargeOutcome.Succeeded:
                await MarkPaidAsync(claim, result.PaymentId!, ct);
                return true;
            case ChargeOutcome.Declined:
                if (await MarkFailedAsync(claim, result.DeclineCode!, ct)) await pool.ReleaseAsync(claim.SaleId, claim.ClaimId);
                return true;
            default:
                logger.LogWarning("Charge of claim {ClaimId} failed transiently ({Error}); it will be retried with the same key", claim.ClaimId, result.Error);
                return false;
        }
    }

    private async Task MarkPaidAsync(ClaimRow claim, string paymentId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var moved = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE claims SET status = 'paid', payment_id = @paymentId, order_id = @orderId, updated_at = now()
            WHERE claim_id = @ClaimId AND status = 'confirmed'
            """, new { claim.ClaimId, paymentId, orderId = Ids.OrderIdFor(claim.ClaimId) }, cancellationToken: ct));
        if (moved == 0) logger.LogInformation("Claim {ClaimId} was already settled by someone else", claim.ClaimId);
    }

    /// <returns>
    /// True when the claim is payment_failed (now or from an earlier attempt), so its units must be back in
    /// the Redis pool; the release is idempotent, so a crash before it only means it runs on redelivery.
    /// </returns>
    private async Task<bool> MarkFailedAsync(ClaimRow claim, string declineCode, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var moved = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE claims SET status = 'payment_failed', failure_reason = @declineCode, updated_at = now()
            WHERE claim_id = @ClaimId AND status = 'confirmed'
            """, new { claim.ClaimId, declineCode }, tx, cancellationToken: ct));
        if (moved == 1)
        {
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE sale_inventory SET sold = sold - @Quantity, updated_at = now() WHERE sale_id = @SaleId
                """, new { claim.Quantity, claim.SaleId }, tx, cancellationToken: ct));
        }
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT status FROM claims WHERE claim_id = @ClaimId", new { claim.ClaimId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return status == ClaimStatus.PaymentFailed;
    }
}
