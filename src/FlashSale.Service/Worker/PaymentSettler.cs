using FlashSale.Service.Claims;
using FlashSale.Service.Payments;
using FlashSale.Service.Sales;

namespace FlashSale.Service.Worker;

/// <summary>
/// Charges a confirmed claim (through the resilience pipeline) and records the answer: paid, payment_failed
/// with the units back, or payment_pending when retries ran out with the outcome unknown.
/// </summary>
public sealed class PaymentSettler(IPaymentGateway gateway, ClaimPaymentRecorder recorder, ILogger<PaymentSettler> logger)
{
    /// <returns>
    /// True when the worker is done with the claim (terminal, or pending and owned by the pending settler);
    /// false when the circuit breaker is open: the claim stays confirmed and its delivery comes back later.
    /// </returns>
    public async Task<bool> SettleAsync(ClaimRow claim, SaleRow sale, CancellationToken ct)
    {
        var charge = ChargeRequest.For(claim.ClaimId, sale.SaleId, claim.Quantity, claim.PaymentMethodId, sale.PriceCents, sale.Currency);
        var result = await gateway.ChargeAsync(charge, ct);
        switch (result.Outcome)
        {
            case ChargeOutcome.Succeeded:
                await recorder.RecordPaidAsync(charge, result.PaymentId!, "worker", ct);
                return true;
            case ChargeOutcome.Declined:
                await recorder.RecordFailedAsync(charge, claim.Quantity, result.DeclineCode!, "worker", ct);
                return true;
            case ChargeOutcome.Transient:
                await recorder.RecordPendingAsync(charge, result.Error ?? "unknown", ct);
                return true;
            default:
                logger.LogDebug("Claim {ClaimId} waits for the payment circuit breaker to close", claim.ClaimId);
                return false;
        }
    }
}
