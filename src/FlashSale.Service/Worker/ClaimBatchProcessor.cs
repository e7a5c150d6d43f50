using System.Collections.Concurrent;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Ops;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Sales;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Worker;

/// <summary>
/// Takes one sale's deliveries from the queue to a terminal status: confirm in PostgreSQL, charge, settle.
/// A delivery is acknowledged only once its claim is terminal, so a crash at any step means redelivery,
/// and every step is idempotent on redelivery (insert-if-absent, compare-and-set, the charge's key).
/// </summary>
public sealed class ClaimBatchProcessor(
    IClaimTransport transport, ClaimConfirmer confirmer, PaymentSettler settler, StockReturns returns, SaleStore sales,
    PaymentAttempts attempts, IOptions<QueueOptions> queue, ILogger<ClaimBatchProcessor> logger)
{
    // Price, currency and window never change after creation, so one read per sale per process is enough.
    private readonly ConcurrentDictionary<string, SaleRow> _sales = new();

    public async Task ProcessAsync(IReadOnlyList<ClaimDelivery> batch, CancellationToken ct)
    {
        var usable = new List<ClaimDelivery>(batch.Count);
        var overLimit = new List<ClaimDelivery>();
        foreach (var delivery in batch)
        {
            if (delivery.Message is null) await transport.DeadLetterAsync(delivery, "unreadable queue entry", ct);
            else if (delivery.DeliveryCount > queue.Value.MaxDeliveries) overLimit.Add(delivery);
            else usable.Add(delivery);
        }
        if (overLimit.Count > 0) await KeepRecordedAsync(overLimit, usable, ct);
        if (usable.Count == 0) return;
        FlashSaleMetrics.BatchSize.Observe(usable.Count);

        var saleId = usable[0].Message!.SaleId;
        var sale = await GetSaleAsync(saleId, ct);
        if (sale is null)
        {
            foreach (var d in usable) await transport.DeadLetterAsync(d, "claim of an unknown sale", ct);
            return;
        }

        // The same claim can arrive twice in one batch (a redelivery next to the original): handle it once.
        var byClaim = usable.GroupBy(d => d.Message!.ClaimId).ToDictionary(g => g.Key, g => g.ToList());
        var rows = await confirmer.ConfirmAsync(saleId, byClaim.Values.Select(g => g[0].Message!).ToList(), ct,
            sale.Holds ? TimeSpan.FromSeconds(sale.HoldSeconds) : null);

        // New claims were marked as payment-attempted when recorded; a redelivered one may still need it.
        var unmarked = rows.Values.Where(r => r.Status == ClaimStatus.Confirmed && r.PaymentAttemptedAt is null).Select(r => r.ClaimId).ToList();
        var moved = await attempts.MarkAsync(unmarked, ct);
        foreach (var row in moved) rows[row.ClaimId] = row; // expired by the reconciler meanwhile: not charged

        var done = new List<ClaimDelivery>(usable.Count);
        var toCharge = new List<ClaimRow>();
        foreach (var (claimId, deliveries) in byClaim)
        {
            if (!rows.TryGetValue(claimId, out var row))
            {
                // Not recorded: PostgreSQL already holds another claim of this user for this sale that is not payment_failed.
                foreach (var d in deliveries) await transport.DeadLetterAsync(d, "another claim of this user is already recorded", ct);
            }
            else if (row.Status == ClaimStatus.Confirmed) toCharge.Add(row);
            else if (await IsSettledAsync(row)) done.AddRange(deliveries);
        }
        if (toCharge.Count > 0)
        {
            try
            {
                var settled = await settler.SettleAsync(toCharge, sale, ct);
                done.AddRange(settled.SelectMany(id => byClaim[id]));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The charges are keyed by claim: the redelivery gets the same answers and records them.
                logger.LogWarning(e, "Recording {Count} charges of sale {SaleId} failed; they will be redelivered", toCharge.Count, saleId);
            }
        }
        if (done.Count > 0) await transport.AcknowledgeAsync(done, ct);
    }

    /// <summary>Whether a claim that needs no charge is finished with, making sure a returned one's units are in Redis too.</summary>
    private async Task<bool> IsSettledAsync(ClaimRow claim)
    {
        switch (claim.Status)
        {
            case ClaimStatus.PaymentPending:
                // The pending settler owns it from here.
                return true;
            case ClaimStatus.Held:
                // Its buyer pays through checkout, or the hold expires (Worker/HoldExpirer.cs): nothing left for the queue.
                return true;
            case var s when ClaimStatus.ReturnsStock(s):
                try
                {
                    // Its units went back in PostgreSQL; make sure Redis has them too if that step is outstanding.
                    await returns.ApplyAsync([claim.ClaimId], CancellationToken.None);
                    return true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Units of claim {ClaimId} could not be returned to Redis; it will be redelivered", claim.ClaimId);
                    return false;
                }
            case var s when ClaimStatus.IsTerminal(s):
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Of the deliveries past MaxDeliveries, only those whose claim PostgreSQL never recorded go to the dead
    /// letters. A recorded claim has nothing left but its charge, which waits while the payment circuit breaker
    /// is open, however many deliveries that takes: dead-lettering it would strand its stock unpaid.
    /// </summary>
    private async Task KeepRecordedAsync(List<ClaimDelivery> overLimit, List<ClaimDelivery> usable, CancellationToken ct)
    {
        var recorded = await confirmer.ReadAsync(overLimit.Select(d => d.Message!.ClaimId).Distinct().ToList(), ct);
        foreach (var delivery in overLimit)
        {
            if (recorded.ContainsKey(delivery.Message!.ClaimId)) usable.Add(delivery);
            else await transport.DeadLetterAsync(delivery, $"still failing after {delivery.DeliveryCount - 1} deliveries", ct);
        }
    }

    private async Task<SaleRow?> GetSaleAsync(string saleId, CancellationToken ct)
    {
        if (_sales.TryGetValue(saleId, out var cached)) return cached;
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is not null) _sales[saleId] = sale;
        return sale;
    }
}
