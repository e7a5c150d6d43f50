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

        var (outcome, declineCode) = Decide(request.PaymentMethodId);
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

    // Stripe's test payment methods (https://docs.stripe.com/testing#cards).
    private static (string Outcome, string? DeclineCode) Decide(string paymentMethodId) => paymentMethodId switch
    {
        "pm_card_visa" or "pm_card_mastercard" or "pm_card_amex" or "pm_card_visa_debit" => ("succeeded", null),
        "pm_card_chargeDeclined" => ("declined", "generic_decline"),
        "pm_card_chargeDeclinedInsufficientFunds" => ("declined", "insufficient_funds"),
        "pm_card_chargeDeclinedExpiredCard" => ("declined", "expired_card"),
        "pm_card_chargeDeclinedFraudulent" => ("declined", "fraudulent"),
        _ => ("declined", "resource_missing"),
    };
}
