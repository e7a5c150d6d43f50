using System.Globalization;
using Stripe;

namespace FlashSale.Service.Payments;

/// <summary>
/// Stripe through Stripe.net: one PaymentIntent per claim, created and confirmed in one call with the
/// buyer's payment method, carrying the claim's idempotency key so a retried create is the same create.
/// Retries belong to the resilience pipeline around it, so Stripe.net's own retries are turned off.
/// </summary>
public sealed class StripeGateway(IStripeClient client, ILogger<StripeGateway> logger) : IPaymentGateway
{
    private readonly PaymentIntentService _intents = new(client);
    private readonly RefundService _refunds = new(client);

    public async Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken ct)
    {
        var create = new PaymentIntentCreateOptions
        {
            Amount = request.AmountCents,
            Currency = request.Currency,
            PaymentMethod = request.PaymentMethodId,
            Confirm = true,
            // Confirmed server-side with no buyer to send anywhere: only methods that need no redirect.
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
            // A claim has no buyer on hand to authenticate: fail instead of waiting in requires_action.
            ErrorOnRequiresAction = true,
            Metadata = MetadataOf(request),
        };
        try
        {
            var intent = await _intents.CreateAsync(create, new RequestOptions { IdempotencyKey = request.IdempotencyKey }, ct);
            return StripeErrors.FromIntent(intent);
        }
        catch (Exception e) when (StripeErrors.IsGatewayFailure(e, ct))
        {
            return StripeErrors.Map(e, request.ClaimId, logger);
        }
    }

    /// <summary>
    /// Searches PaymentIntents by the claim id in their metadata; if Stripe knows none, replays the create with
    /// the same key: Stripe answers a key it has seen with the first answer, and one it has not by charging now.
    /// Past the key's lifetime (<paramref name="mayReplay"/> false) only the search is asked: its index lags, so
    /// "none found" is still unknown, never a reason to charge.
    /// </summary>
    public async Task<ChargeResult> ResolveAsync(ChargeRequest request, bool mayReplay, CancellationToken ct)
    {
        try
        {
            // Claim ids are "clm_" + hex, so they need no escaping inside the query string.
            var found = await _intents.SearchAsync(new PaymentIntentSearchOptions
            {
                // A hold's earlier attempts (declined) carry the same claim id: only this attempt's intent answers.
                Query = request.Attempt == 0
                    ? $"metadata['claim_id']:'{request.ClaimId}'"
                    : $"metadata['claim_id']:'{request.ClaimId}' AND metadata['attempt']:'{request.Attempt}'",
                Limit = 10,
            }, cancellationToken: ct);
            var intents = found.Data ?? [];
            if (intents.Count > 0)
                return StripeErrors.FromIntent(intents.FirstOrDefault(i => i.Status == "succeeded") ?? intents[0]);
        }
        catch (Exception e) when (StripeErrors.IsGatewayFailure(e, ct))
        {
            return StripeErrors.Map(e, request.ClaimId, logger);
        }
        return mayReplay ? await ChargeAsync(request, ct) : ChargeResult.Transient("no PaymentIntent found, and the key is too old to replay the create");
    }

    /// <summary>An unconfirmed PaymentIntent for Stripe.js: the buyer picks and authenticates the card in the browser.</summary>
    public async Task<ChargeResult> CreateIntentAsync(ChargeRequest request, CancellationToken ct)
    {
        var create = new PaymentIntentCreateOptions
        {
            Amount = request.AmountCents,
            Currency = request.Currency,
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true },
            Metadata = MetadataOf(request),
        };
        try
        {
            var intent = await _intents.CreateAsync(create, new RequestOptions { IdempotencyKey = request.IdempotencyKey }, ct);
            return ChargeResult.IntentCreated(intent.Id, intent.ClientSecret);
        }
        catch (Exception e) when (StripeErrors.IsGatewayFailure(e, ct))
        {
            var mapped = StripeErrors.Map(e, request.ClaimId, logger);
            // No card is involved yet, so whatever Stripe refuses here is the request's, not a decline.
            return mapped.Outcome == ChargeOutcome.Declined ? ChargeResult.Refused(mapped.DeclineCode ?? "refused") : mapped;
        }
    }

    public async Task<ChargeResult> RefundAsync(RefundRequest request, CancellationToken ct)
    {
        try
        {
            var refund = await _refunds.CreateAsync(new RefundCreateOptions
            {
                PaymentIntent = request.PaymentId,
                Metadata = new Dictionary<string, string> { ["sale_id"] = request.SaleId, ["claim_id"] = request.ClaimId },
            }, new RequestOptions { IdempotencyKey = request.IdempotencyKey }, ct);
            return refund.Status switch
            {
                "succeeded" or "pending" => ChargeResult.Succeeded(refund.Id),
                "failed" or "canceled" => ChargeResult.Refused($"refund_{refund.Status}"),
                _ => ChargeResult.Transient($"refund is {refund.Status}"),
            };
        }
        catch (Exception e) when (StripeErrors.IsGatewayFailure(e, ct))
        {
            // Already refunded in full (by us under another key, or by the merchant in the dashboard): nothing is owed.
            if (e is StripeException { StripeError.Code: "charge_already_refunded" }) return ChargeResult.Succeeded("already_refunded");
            var mapped = StripeErrors.Map(e, request.ClaimId, logger);
            return mapped.Outcome == ChargeOutcome.Declined ? ChargeResult.Refused(mapped.DeclineCode ?? "refused") : mapped;
        }
    }

    private static Dictionary<string, string> MetadataOf(ChargeRequest request) => new()
    {
        ["sale_id"] = request.SaleId, ["claim_id"] = request.ClaimId, ["attempt"] = request.Attempt.ToString(CultureInfo.InvariantCulture),
    };
}
