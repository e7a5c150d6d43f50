using System.Text.Json.Nodes;
using Dapper;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.Payments;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FlashSale.Service.StripeWebhooks;

/// <summary>
/// <c>POST /simulated/payment_intents/{id}/confirm</c> (simulated provider only): what Stripe.js does in the buyer's
/// browser. The payment method decides as Stripe's test cards do, with the buyer present, so a 3-D Secure card's
/// challenge is completed and it succeeds; then the outcome is posted as a signed Stripe event to this service's
/// <c>/webhooks/stripe</c>, the only way the claim learns of it, exactly as with Stripe.
/// </summary>
public static class SimulatedClientConfirm
{
    public static IEndpointRouteBuilder MapSimulatedClientConfirm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/simulated/payment_intents/{paymentIntentId}/confirm", ConfirmAsync).WithTags("Payments").RequireAuthorization(Policies.Storefront)
            .WithJsonBody<SimulatedConfirmRequest>().Produces<JsonObject>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> ConfirmAsync(
        string paymentIntentId, HttpRequest request, NpgsqlDataSource db, SimulatedStripeEvents events, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<SimulatedConfirmRequest>(request, ct);
        if (problem is not null) return problem;
        if (string.IsNullOrEmpty(body!.PaymentMethodId) || body.PaymentMethodId.Length > 255 || !body.PaymentMethodId.StartsWith("pm_", StringComparison.Ordinal))
            return Problems.Invalid("paymentMethodId", "A payment method id (pm_...) is required.");

        var (outcome, declineCode) = SimulatedGateway.Decide(body.PaymentMethodId, buyerPresent: true);
        IntentRow? intent;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            // Only an intent waiting for its payment method is confirmed, once: a repeat is Stripe's unexpected state.
            intent = await conn.QueryFirstOrDefaultAsync<IntentRow>(new CommandDefinition("""
                UPDATE simulated_intents SET status = @status, payment_method_id = @pm, decline_code = @declineCode
                WHERE payment_intent_id = @paymentIntentId AND status = 'requires_payment_method' AND decline_code IS NULL
                RETURNING payment_intent_id, claim_id, sale_id, attempt, amount_cents, currency, status, payment_method_id, decline_code
                """, new { paymentIntentId, pm = body.PaymentMethodId, declineCode, status = outcome == "succeeded" ? "succeeded" : "requires_payment_method" },
                cancellationToken: ct));
            if (intent is null)
            {
                var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT EXISTS (SELECT 1 FROM simulated_intents WHERE payment_intent_id = @paymentIntentId)", new { paymentIntentId }, cancellationToken: ct));
                return exists
                    ? Problems.Invalid("paymentIntentId", "This PaymentIntent was already confirmed (payment_intent_unexpected_state).")
                    : Problems.Of(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Not found", "No such PaymentIntent.");
            }
        }
        var json = intent.ToStripeJson();
        var applied = await events.SendAsync(outcome == "succeeded" ? "payment_intent.succeeded" : "payment_intent.payment_failed", json, ct);
        json["webhook_outcome"] = applied;
        return TypedResults.Json(json);
    }

    private sealed class IntentRow
    {
        public string PaymentIntentId { get; init; } = "";
        public string ClaimId { get; init; } = "";
        public string SaleId { get; init; } = "";
        public int Attempt { get; init; }
        public long AmountCents { get; init; }
        public string Currency { get; init; } = "";
        public string Status { get; init; } = "";
        public string? PaymentMethodId { get; init; }
        public string? DeclineCode { get; init; }

        // A PaymentIntent as Stripe serializes it, the members this service reads and a few a storefront looks at.
        public JsonObject ToStripeJson() => new()
        {
            ["id"] = PaymentIntentId,
            ["object"] = "payment_intent",
            ["amount"] = AmountCents,
            ["amount_received"] = Status == "succeeded" ? AmountCents : 0,
            ["currency"] = Currency,
            ["status"] = Status,
            ["livemode"] = false,
            ["payment_method"] = PaymentMethodId,
            ["latest_charge"] = Status == "succeeded" ? "ch_sim_" + PaymentIntentId["pi_sim_".Length..] : null,
            ["metadata"] = new JsonObject { ["sale_id"] = SaleId, ["claim_id"] = ClaimId, ["attempt"] = Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["last_payment_error"] = DeclineCode is null ? null : new JsonObject
            {
                ["type"] = "card_error", ["code"] = DeclineCode == "authentication_required" ? "authentication_required" : "card_declined",
                ["decline_code"] = DeclineCode, ["message"] = "Your card was declined.",
            },
        };
    }
}

/// <summary>The body of the simulated client confirm: the payment method the buyer entered.</summary>
public sealed record SimulatedConfirmRequest(string? PaymentMethodId);
