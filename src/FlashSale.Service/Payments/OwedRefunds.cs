using Dapper;
using FlashSale.Service.Ops;
using Npgsql;

namespace FlashSale.Service.Payments;

/// <summary>
/// Refunds the payments claims cannot keep: one that succeeded after its hold had ended (the claim ends
/// <c>refunded</c>; its units went back when the hold ended), or a second success of a claim already paid (the claim
/// stays <c>paid</c> with the first). The payment to refund is recorded first (<c>refund_payment_id</c>, in the
/// transaction that learned of it), then refunded with the claim's one refund key, so a refund cut short by a crash
/// or an outage is retried by <see cref="Worker.OwedRefundSettler"/> and can never be made twice.
/// </summary>
public sealed class OwedRefunds(NpgsqlDataSource db, IPaymentGateway gateway, ILogger<OwedRefunds> logger)
{
    /// <summary>
    /// Refunds what these claims owe; when <paramref name="claimIds"/> is null, every refund owed for longer than
    /// <paramref name="olderThan"/>, oldest first (the sweep leaves a fresh one to the request that is making it).
    /// </summary>
    /// <returns>How many refunds went through.</returns>
    public async Task<int> SettleAsync(IReadOnlyCollection<string>? claimIds, CancellationToken ct, int limit = 100, TimeSpan olderThan = default)
    {
        List<(string ClaimId, string SaleId, string PaymentId)> owed;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            owed = (await conn.QueryAsync<(string, string, string)>(new CommandDefinition("""
                SELECT claim_id, sale_id, refund_payment_id FROM claims
                WHERE refund_payment_id IS NOT NULL AND refunded_at IS NULL
                  AND (@all AND updated_at < now() - @olderThan OR claim_id = ANY(@ids))
                ORDER BY updated_at LIMIT @limit
                """, new { all = claimIds is null, ids = claimIds?.ToArray() ?? [], limit, olderThan }, cancellationToken: ct))).AsList();
        }
        var done = 0;
        foreach (var (claimId, saleId, paymentId) in owed)
        {
            var result = await gateway.RefundAsync(RefundRequest.For(claimId, saleId, paymentId), ct);
            if (result.Outcome != ChargeOutcome.Succeeded)
            {
                FlashSaleMetrics.Refunds.WithLabels(result.Label).Inc();
                logger.LogWarning("Refund of claim {ClaimId}'s late payment did not go through ({Outcome}: {Error}); it is retried",
                    claimId, result.Label, result.Error);
                continue;
            }
            await using var conn = await db.OpenConnectionAsync(ct);
            done += await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE claims SET refunded_at = now(), status = CASE WHEN status = 'paid' THEN 'paid' ELSE 'refunded' END, updated_at = now()
                WHERE claim_id = @claimId AND refunded_at IS NULL
                """, new { claimId }, cancellationToken: ct));
            FlashSaleMetrics.Refunds.WithLabels("refunded").Inc();
        }
        if (done > 0) logger.LogInformation("{Count} late payments refunded", done);
        return done;
    }
}
