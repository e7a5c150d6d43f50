using System.Threading.Channels;
using FlashSale.Service.Claims;
using FlashSale.Service.Payments;
using FlashSale.Service.Sales;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Worker;

/// <summary>
/// Charges confirmed claims (through the resilience pipeline), many at once, and records the answers as they
/// come: each record takes every answer that arrived while the previous one was being written, in one
/// transaction (paid, payment_failed with the units back, or payment_pending when retries ran out with the
/// outcome unknown). A claim is paid as soon as its own charge answers, not when the batch's slowest does.
/// The number of charges in flight is capped per process, across batches, because the gateway's rate limit is
/// per account, not per batch. A sale whose charging is held (<see cref="SaleChargeHolds"/>) is not charged, but
/// for its trials.
/// </summary>
public sealed class PaymentSettler(
    IPaymentGateway gateway, ClaimPaymentRecorder recorder, SaleChargeHolds holds, IOptions<PaymentOptions> options,
    ILogger<PaymentSettler> logger) : IDisposable
{
    private readonly SemaphoreSlim _inFlight = new(options.Value.MaxConcurrentCharges);

    /// <returns>
    /// The claims the worker is done with (terminal, or pending and owned by the pending settler). The others
    /// were not charged because the circuit breaker is open, or their charge failed unexpectedly: they stay
    /// confirmed and their deliveries come back later; so do those of a sale whose charging is held. If recording fails, the charges still running are
    /// awaited and the error is thrown: what was recorded before stays, the rest is charged again on redelivery
    /// with the same keys, which gets the same answers.
    /// </returns>
    public async Task<IReadOnlySet<string>> SettleAsync(IReadOnlyList<ClaimRow> claims, SaleRow sale, CancellationToken ct)
    {
        var answers = Channel.CreateUnbounded<ChargeAnswer>(new UnboundedChannelOptions { SingleReader = true });
        var charging = ChargeAllAsync(claims, sale, answers.Writer, ct);
        var settled = new HashSet<string>();
        try
        {
            var arrived = new List<ChargeAnswer>();
            while (await answers.Reader.WaitToReadAsync(CancellationToken.None))
            {
                while (answers.Reader.TryRead(out var answer)) arrived.Add(answer);
                if (arrived.Count == 0) continue;
                await recorder.RecordAsync(arrived, "worker", ct);
                settled.UnionWith(arrived.Select(a => a.Charge.ClaimId));
                arrived.Clear();
            }
        }
        catch
        {
            // No charge may outlive its batch: a redelivery would run it a second time concurrently.
            try { await charging; } catch (OperationCanceledException) { }
            throw;
        }
        await charging;
        return settled;
    }

    private async Task ChargeAllAsync(IReadOnlyList<ClaimRow> claims, SaleRow sale, ChannelWriter<ChargeAnswer> answers, CancellationToken ct)
    {
        var waiting = 0;
        try
        {
            await Task.WhenAll(claims.Select(async claim =>
            {
                var charge = ChargeRequest.For(claim.ClaimId, sale.SaleId, claim.Quantity, claim.PaymentMethodId, sale.PriceCents, sale.Currency,
                    claim.HoldExpiresAt is null ? 0 : claim.PaymentAttempts);
                await _inFlight.WaitAsync(ct);
                try
                {
                    if (!holds.MayCharge(sale.SaleId))
                    {
                        Interlocked.Increment(ref waiting);
                        return;
                    }
                    var result = await gateway.ChargeAsync(charge, ct);
                    holds.Observe(sale.SaleId, result);
                    // Nothing was charged either way: the claim stays confirmed, its unit held, and comes back.
                    if (result.Outcome is ChargeOutcome.CircuitOpen or ChargeOutcome.Refused) Interlocked.Increment(ref waiting);
                    else answers.TryWrite(new ChargeAnswer(charge, result));
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
        }
        finally
        {
            answers.Complete();
        }
        if (waiting > 0) logger.LogDebug("{Count} claims of sale {SaleId} wait for the circuit breaker to close or the sale's hold to lift", waiting, sale.SaleId);
    }

    public void Dispose() => _inFlight.Dispose();
}
