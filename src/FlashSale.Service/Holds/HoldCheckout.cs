using Dapper;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Http;
using FlashSale.Service.Sales;
using FlashSale.Service.Worker;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Holds;

/// <summary>
/// A buyer pays for a hold: <c>held</c> → <c>payment_pending</c> by a compare-and-set that also counts the attempt
/// (its number is in the charge's idempotency key) and extends a hold close to its end once by PaymentGrace; then the
/// charge runs through the same settler and pipeline as every other (Worker/PaymentSettler.cs). A decline with
/// attempts left puts the claim back to held (Worker/ClaimPaymentRecorder.cs). The attempt is stamped as checked,
/// so the pending settler, which takes over if this process dies mid-charge, leaves it alone meanwhile.
/// </summary>
public sealed class HoldCheckout(
    NpgsqlDataSource db, SaleStore sales, PaymentSettler settler, IOptions<HoldOptions> options, ILogger<HoldCheckout> logger)
{
    /// <returns>The claim as the checkout left it, or the refusal.</returns>
    public async Task<(ClaimRow? Claim, IResult? Refusal)> StartAsync(string saleId, string claimId, string paymentMethodId, CancellationToken ct)
    {
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return (null, Problems.SaleNotFound());
        ClaimRow? row;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var started = await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE claims c SET
                    status = 'payment_pending', payment_method_id = @paymentMethodId, payment_attempts = c.payment_attempts + 1,
                    payment_attempted_at = coalesce(c.payment_attempted_at, now()), payment_checked_at = now(),
                    hold_extended = c.hold_extended OR c.hold_expires_at < now() + @grace,
                    hold_expires_at = CASE WHEN NOT c.hold_extended AND c.hold_expires_at < now() + @grace THEN now() + @grace ELSE c.hold_expires_at END,
                    updated_at = now()
                WHERE c.claim_id = @claimId AND c.sale_id = @saleId AND c.status = 'held' AND c.hold_expires_at > now()
                  AND c.payment_attempts < @maxAttempts
                """, new { claimId, saleId, paymentMethodId, grace = options.Value.PaymentGrace, maxAttempts = sale.MaxPaymentAttempts },
                cancellationToken: ct));
            row = (await ClaimRow.ReadAsync(conn, [claimId], null, ct)).SingleOrDefault(r => r.SaleId == saleId);
            if (started == 0) return (row, Refuse(row, sale));
        }
        _ = ChargeAsync(row!, sale);
        return (row, null);
    }

    // Off the request: the buyer polls the claim. A process that dies here leaves the claim payment_pending, and the
    // pending settler finds out what became of this attempt with its key.
    private async Task ChargeAsync(ClaimRow claim, SaleRow sale)
    {
        try
        {
            await settler.SettleAsync([claim], sale, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Charging checkout {Attempt} of claim {ClaimId} failed; the pending settler will settle it", claim.PaymentAttempts, claim.ClaimId);
        }
    }

    private static IResult Refuse(ClaimRow? claim, SaleRow sale) => claim switch
    {
        // Held in Redis, not yet recorded by a worker.
        null => Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable, "Dependency unavailable",
            "The hold is still being recorded; retry in a moment."),
        { Status: ClaimStatus.PaymentPending } => Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.CheckoutInProgress, "Checkout in progress",
            "A payment of this claim is being processed; poll the claim for its outcome."),
        { Status: ClaimStatus.Expired } or { Status: ClaimStatus.Held } when claim.PaymentAttempts < sale.MaxPaymentAttempts =>
            Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.HoldExpired, "Hold expired", "The hold has expired; its units are back on sale."),
        { Status: ClaimStatus.Held or ClaimStatus.PaymentFailed, HoldExpiresAt: not null } =>
            Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.PaymentAttemptsExhausted, "Payment attempts exhausted",
                $"This claim has used all {sale.MaxPaymentAttempts} payment attempts of the sale."),
        _ => Problems.ClaimNotHeld(claim.Status),
    };
}
