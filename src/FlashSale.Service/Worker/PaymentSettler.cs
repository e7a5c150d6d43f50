using System.Collections.Concurrent;
using FlashSale.Service.Claims;
using FlashSale.Service.Payments;
using FlashSale.Service.Sales;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Worker;

/// <summary>
/// Charges confirmed claims (through the resilience pipeline), many at once, and records the answers of a
/// batch in one transaction: paid, payment_failed with the units back, or payment_pending when retries ran
/// out with the outcome unknown. The number of charges in flight is capped per process, across batches,
/// because the gateway's rate limit is per account, not per batch.
/// </summary>
public sealed class PaymentSettler(
    IPaymentGateway gateway, ClaimPaymentRecorder recorder, IOptions<PaymentOptions> options, ILogger<PaymentSettler> logger) : IDisposable
{
    private readonly SemaphoreSlim _inFlight = new(options.Value.MaxConcurrentCharges);

    /// <returns>
    /// The claims the worker is done with (terminal, or pending and owned by the pending settler). The others
    /// were not charged because the circuit breaker is open, or their charge failed unexpectedly: they stay
    /// confirmed and their deliveries come back later.
    /// </returns>
    public async Task<IReadOnlySet<string>> SettleAsync(IReadOnlyList<ClaimRow> claims, SaleRow sale, CancellationToken ct)
    {
        var answers = new ConcurrentBag<ChargeAnswer>();
        var waiting = 0;
        await Task.WhenAll(claims.Select(async claim =>
        {
            var charge = ChargeRequest.For(claim.ClaimId, sale.SaleId, claim.Quantity, claim.PaymentMethodId, sale.PriceCents, sale.Currency);
            await _inFlight.WaitAsync(ct);
            try
            {
                var result = await gateway.ChargeAsync(charge, ct);
                if (result.Outcome == ChargeOutcome.CircuitOpen) Interlocked.Increment(ref waiting);
                else answers.Add(new ChargeAnswer(charge, result));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Charge of claim {ClaimId} failed; it will be redelivered", claim.ClaimId);
            }
            finally
            {
                _inFlight.Release();
            }
        }));
        if (waiting > 0) logger.LogDebug("{Count} claims of sale {SaleId} wait for the payment circuit breaker to close", waiting, sale.SaleId);
        if (answers.IsEmpty) return new HashSet<string>();
        await recorder.RecordAsync([.. answers], "worker", ct);
        return answers.Select(a => a.Charge.ClaimId).ToHashSet();
    }

    public void Dispose() => _inFlight.Dispose();
}
