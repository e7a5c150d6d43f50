using Dapper;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Http;
using FlashSale.Service.Payments;
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
    NpgsqlDataSource db, SaleStore sales, PaymentSettler settler, IPaymentGateway gateway, IOptions<HoldOptions> options, TimeProvider clock,
    ILogger<HoldCheckout> logger)
{
    // Starting an attempt: counted, numbered, and the hold extended once if it is close to its end.
    private const string StartAttempt = """
        payment_attempts = c.payment_attempts + 1,
        hold_extended = c.hold_extended OR c.hold_expires_at < now() + @grace,
        hold_expires_at = CASE WHEN NOT c.hold_extended AND c.hold_expires_at < now() + @grace THEN now() + @grace ELSE c.hold_expires_at END,
        updated_at = now()
        """;

    // Only a live hold with attempts left and no PaymentIntent open in the buyer's browser.
    private const string Startable = """
        c.claim_id = @claimId AND c.sale_id = @saleId AND c.status = 'held' AND c.hold_expires_at > now()
        AND c.payment_attempts < @maxAttempts AND (c.client_attempt IS NULL OR c.client_attempt <> c.payment_attempts)
        """;

    /// <returns>The claim as the checkout left it, or the refusal.</returns>
    public async Task<(ClaimRow? Claim, IResult? Refusal)> StartAsync(string saleId, string claimId, string paymentMethodId, CancellationToken ct)
    {
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return (null, Problems.SaleNotFound());
        ClaimRow? row;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            // Twice at most: the worker may record the hold between a first try that found no row and the read after it.
            for (var tries = 1; ; tries++)
            {
                var started = await conn.ExecuteAsync(new CommandDefinition($"""
                    UPDATE claims c SET
                        status = 'payment_pending', payment_method_id = @paymentMethodId, client_attempt = NULL,
                        payment_attempted_at = coalesce(c.payment_attempted_at, now()), payment_checked_at = now(), {StartAttempt}
                    WHERE {Startable}
                    """, new { claimId, saleId, paymentMethodId, grace = options.Value.PaymentGrace, maxAttempts = sale.MaxPaymentAttempts },
                    cancellationToken: ct));
                row = (await ClaimRow.ReadAsync(conn, [claimId], null, ct)).SingleOrDefault(r => r.SaleId == saleId);
                if (started == 1) break;
                if (tries == 2 || row is not { Status: ClaimStatus.Held }) return (row, Refuse(row, sale));
            }
        }
        _ = ChargeAsync(row!, sale);
        return (row, null);
    }

    /// <summary>
    /// Client confirm: a PaymentIntent for the storefront to confirm in the browser (3-D Secure included); its outcome
    /// arrives by webhook. Starting one counts an attempt, as a server-side charge does; asking again while it is open
    /// answers the same intent (its create is replayed with the attempt's idempotency key), and counts nothing.
    /// </summary>
    public async Task<(ClientCheckoutResponse? Intent, ClaimRow? Claim, IResult? Refusal)> StartClientAsync(string saleId, string claimId, CancellationToken ct)
    {
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return (null, null, Problems.SaleNotFound());
        ClaimRow? row;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            row = (await ClaimRow.ReadAsync(conn, [claimId], null, ct)).SingleOrDefault(r => r.SaleId == saleId);
            if (row is { HasOpenClientIntent: false })
            {
                await conn.ExecuteAsync(new CommandDefinition($"""
                    UPDATE claims c SET client_attempt = c.payment_attempts + 1, payment_intent_id = NULL, {StartAttempt}
                    WHERE {Startable}
                    """, new { claimId, saleId, grace = options.Value.PaymentGrace, maxAttempts = sale.MaxPaymentAttempts }, cancellationToken: ct));
                // Started now, or by a concurrent request of the same buyer: either way the open intent is answered.
                row = (await ClaimRow.ReadAsync(conn, [claimId], null, ct)).SingleOrDefault(r => r.SaleId == saleId);
            }
        }
        if (row is not { HasOpenClientIntent: true } || row.HoldExpiresAt <= clock.GetUtcNow().UtcDateTime) return (null, row, Refuse(row, sale));

        var request = ChargeRequest.For(claimId, saleId, row.Quantity, "", sale.PriceCents, sale.Currency, row.ClientAttempt!.Value);
        var created = await gateway.CreateIntentAsync(request, ct);
        if (created.Outcome != ChargeOutcome.Succeeded)
            return (null, row, Problems.DependencyUnavailable(
                $"The payment provider did not create the PaymentIntent ({created.Label}); ask again: the same attempt is resumed."));
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE claims SET payment_intent_id = @intentId WHERE claim_id = @claimId AND client_attempt = @attempt AND payment_intent_id IS NULL",
                new { intentId = created.PaymentId, claimId, attempt = row.ClientAttempt }, cancellationToken: ct));
        }
        return (new ClientCheckoutResponse(created.PaymentId!, created.ClientSecret!), row, null);
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

    private IResult Refuse(ClaimRow? claim, SaleRow sale) => claim switch
    {
        // Held in Redis, not yet recorded by a worker.
        null => Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.DependencyUnavailable, "Dependency unavailable",
            "The hold is still being recorded; retry in a moment."),
        { Status: ClaimStatus.PaymentPending } => Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.CheckoutInProgress, "Checkout in progress",
            "A payment of this claim is being processed; poll the claim for its outcome."),
        { HasOpenClientIntent: true } when claim.HoldExpiresAt > clock.GetUtcNow().UtcDateTime => Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.CheckoutInProgress,
            "Checkout in progress", "A PaymentIntent of this claim is open for confirmation in the browser; its outcome arrives by webhook."),
        { Status: ClaimStatus.Expired } or { Status: ClaimStatus.Held } when claim.PaymentAttempts < sale.MaxPaymentAttempts =>
            Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.HoldExpired, "Hold expired", "The hold has expired; its units are back on sale."),
        { Status: ClaimStatus.Held or ClaimStatus.PaymentFailed, HoldExpiresAt: not null } =>
            Problems.Of(StatusCodes.Status409Conflict, ProblemCodes.PaymentAttemptsExhausted, "Payment attempts exhausted",
                $"This claim has used all {sale.MaxPaymentAttempts} payment attempts of the sale."),
        _ => Problems.ClaimNotHeld(claim.Status),
    };
}

/// <summary>The answer to a client-confirm checkout: what Stripe.js needs to confirm the payment in the browser.</summary>
public sealed record ClientCheckoutResponse(string PaymentIntentId, string ClientSecret);
