using System.Collections.Concurrent;
using FlashSale.Service.Ops;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Payments;

/// <summary>
/// Sales whose charging is held because the gateway refused a charge for a reason of the merchant's own (see
/// <see cref="ChargeOutcome.Refused"/>). Their claims keep their units and wait, uncharged, instead of each being
/// refused in turn; one trial charge goes through every <see cref="PaymentOptions.HeldSaleTrialInterval"/>, and
/// the first answer that is not a refusal (the merchant fixed it) lifts the hold. Each worker process learns of a
/// refusal by itself: at worst one refused call per process per interval.
/// </summary>
public sealed class SaleChargeHolds(IOptions<PaymentOptions> options, TimeProvider clock, ILogger<SaleChargeHolds> logger)
{
    // Sale id → when its next trial may go (a timestamp of the clock).
    private readonly ConcurrentDictionary<string, long> _held = new(StringComparer.Ordinal);

    /// <summary>Whether a claim of this sale may be charged now: always while not held, one trial per interval while held.</summary>
    public bool MayCharge(string saleId)
    {
        if (!_held.TryGetValue(saleId, out var nextTrial)) return true;
        var now = clock.GetTimestamp();
        if (now < nextTrial) return false;
        // One trial per interval, however many batches ask at once.
        return _held.TryUpdate(saleId, now + Interval, nextTrial);
    }

    /// <summary>Takes the gateway's answer to a charge of the sale into account.</summary>
    public void Observe(string saleId, ChargeResult result)
    {
        switch (result.Outcome)
        {
            case ChargeOutcome.Refused:
                if (_held.TryAdd(saleId, clock.GetTimestamp() + Interval))
                {
                    FlashSaleMetrics.PaymentsHeld.Set(_held.Count);
                    logger.LogCritical("Charging of sale {SaleId} is held: the gateway refused a charge ({Code}). Its claims keep their units; " +
                                       "a trial charge goes every {Interval}", saleId, result.Error, Interval);
                }
                break;
            case ChargeOutcome.Succeeded or ChargeOutcome.Declined:
                if (_held.TryRemove(saleId, out _))
                {
                    FlashSaleMetrics.PaymentsHeld.Set(_held.Count);
                    logger.LogWarning("Charging of sale {SaleId} resumes: the gateway accepted a trial charge", saleId);
                }
                break;
        }
    }

    private long Interval => (long)(options.Value.HeldSaleTrialInterval.TotalSeconds * clock.TimestampFrequency);
}
