using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Payments;

/// <summary>
/// A stand-in for Stripe that follows its test payment methods and its idempotency: a repeated key returns
/// the first answer and charges nothing more. Its ledger is a PostgreSQL table (<see cref="SimulatedLedger"/>),
/// so it remembers charges across worker restarts the way a real gateway would, and counts attempts for the tests.
/// </summary>
public sealed class SimulatedGateway(NpgsqlDataSource db, SimulatedLedger ledger, IOptionsMonitor<PaymentOptions> options, TimeProvider clock) : IPaymentGateway
{
    public async Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken ct)
    {
        var settings = options.CurrentValue.Simulated;
        if (settings.Latency > TimeSpan.Zero) await Task.Delay(settings.Latency, clock, ct);

        // A flaky gateway fails both before and after doing the work; the caller cannot tell which.
        var failure = settings.TransientFailureRate > 0 && Random.Shared.NextDouble() < settings.TransientFailureRate;
        var failAfter = failure && Random.Shared.Next(2) == 0;
        if (failure && !failAfter) return ChargeResult.Transient("simulated gateway error before the charge");

        var (outcome, declineCode) = Decide(request.PaymentMethodId, buyerPresent: false);
        var stored = await ledger.RecordAsync(request, outcome, declineCode, ct);

        if (failAfter) return ChargeResult.Transient("simulated gateway error after the charge");
        return stored.Outcome == "succeeded" ? ChargeResult.Succeeded(stored.PaymentId) : ChargeResult.Declined(stored.DeclineCode ?? "card_declined");
    }

    /// <summary>The ledger's record of the key if there is one; else, when it may, the charge again with the same key.</summary>
    public async Task<ChargeResult> ResolveAsync(ChargeRequest request, bool mayReplay, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var stored = await conn.QueryFirstOrDefaultAsync<(string? PaymentId, string? Outcome, string? DeclineCode)>(new CommandDefinition(
                "SELECT payment_id, outcome, decline_code FROM simulated_charges WHERE idempotency_key = @IdempotencyKey",
                new { request.IdempotencyKey }, cancellationToken: ct));
            if (stored.Outcome is not null)
                return stored.Outcome == "succeeded" ? ChargeResult.Succeeded(stored.PaymentId!) : ChargeResult.Declined(stored.DeclineCode ?? "card_declined");
        }
        return mayReplay ? await ChargeAsync(request, ct) : ChargeResult.Transient("no charge recorded, and the key is too old to replay");
    }

    public async Task<ChargeResult> CreateIntentAsync(ChargeRequest request, CancellationToken ct)
    {
        var settings = options.CurrentValue.Simulated;
        if (settings.Latency > TimeSpan.Zero) await Task.Delay(settings.Latency, clock, ct);
        var id = "pi_sim_" + Guid.CreateVersion7().ToString("N");
        await using var conn = await db.OpenConnectionAsync(ct);
        // A repeated key answers the intent it made first, as Stripe's idempotency does.
        var (intentId, secret) = await conn.QuerySingleAsync<(string, string)>(new CommandDefinition("""
            WITH made AS (
                INSERT INTO simulated_intents (payment_intent_id, idempotency_key, client_secret, claim_id, sale_id, attempt, amount_cents, currency, status)
                VALUES (@id, @IdempotencyKey, @secret, @ClaimId, @SaleId, @Attempt, @AmountCents, @Currency, 'requires_payment_method')
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING payment_intent_id, client_secret)
            SELECT payment_intent_id, client_secret FROM made
            UNION ALL SELECT payment_intent_id, client_secret FROM simulated_intents WHERE idempotency_key = @IdempotencyKey
            LIMIT 1
            """, new { id, secret = id + "_secret_" + Guid.NewGuid().ToString("N"), request.IdempotencyKey, request.ClaimId, request.SaleId,
            request.Attempt, request.AmountCents, request.Currency }, cancellationToken: ct));
        return ChargeResult.IntentCreated(intentId, secret);
    }

    public async Task<ChargeResult> RefundAsync(RefundRequest request, CancellationToken ct)
    {
        var settings = options.CurrentValue.Simulated;
        if (settings.Latency > TimeSpan.Zero) await Task.Delay(settings.Latency, clock, ct);
        if (settings.TransientFailureRate > 0 && Random.Shared.NextDouble() < settings.TransientFailureRate)
            return ChargeResult.Transient("simulated gateway error before the refund");
        await using var conn = await db.OpenConnectionAsync(ct);
        // Every attempt is counted under its key, so a test can tell one refund retried from two refunds.
        var refundId = await conn.QuerySingleAsync<string>(new CommandDefinition("""
            INSERT INTO simulated_refunds (idempotency_key, refund_id, payment_id) VALUES (@IdempotencyKey, @refundId, @PaymentId)
            ON CONFLICT (idempotency_key) DO UPDATE SET attempts = simulated_refunds.attempts + 1
            RETURNING refund_id
            """, new { request.IdempotencyKey, request.PaymentId, refundId = "re_sim_" + Guid.CreateVersion7().ToString("N") }, cancellationToken: ct));
        return ChargeResult.Succeeded(refundId);
    }

    /// <summary>
    /// Stripe's test payment methods (https://docs.stripe.com/testing#cards). The 3-D Secure cards need the buyer:
    /// confirmed by the server they fail with <c>authentication_required</c>; confirmed in the browser
    /// (<paramref name="buyerPresent"/>) the buyer completes the challenge and they succeed.
    /// </summary>
    internal static (string Outcome, string? DeclineCode) Decide(string paymentMethodId, bool buyerPresent) => paymentMethodId switch
    {
        "pm_card_visa" or "pm_card_mastercard" or "pm_card_amex" or "pm_card_visa_debit" => ("succeeded", null),
        "pm_card_threeDSecure2Required" or "pm_card_authenticationRequired" or "pm_card_threeDSecureRequired" =>
            buyerPresent ? ("succeeded", null) : ("declined", "authentication_required"),
        "pm_card_chargeDeclined" => ("declined", "generic_decline"),
        "pm_card_chargeDeclinedInsufficientFunds" => ("declined", "insufficient_funds"),
        "pm_card_chargeDeclinedExpiredCard" => ("declined", "expired_card"),
        "pm_card_chargeDeclinedFraudulent" => ("declined", "fraudulent"),
        _ => ("declined", "resource_missing"),
    };
}
