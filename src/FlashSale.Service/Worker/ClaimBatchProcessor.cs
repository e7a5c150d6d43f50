using System.Collections.Concurrent;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Ops;
using FlashSale.Service.Payments;
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
    IClaimTransport transport, ClaimConfirmer confirmer, PaymentSettler settler, SalePool pool, SaleStore sales,
    PaymentAttempts attempts, IOptions<QueueOptions> queue, IOptions<PaymentOptions> payments, ILogger<ClaimBatchProcessor> logger)
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

        var saleId = usable[0].SaleId;
        var sale = await GetSaleAsync(saleId, ct);
        if (sale is null)
        {
            foreach (var d in usable) await transport.DeadLetterAsync(d, "claim of an unknown sale", ct);
            return;
        }

        // The same claim can arrive twice in one batch (a redelivery next to the original): handle it once.
        var byClaim = usable.GroupBy(d => d.Message!.ClaimId).ToList();
        var rows = await confirmer.ConfirmAsync(saleId, byClaim.Select(g => g.First().Message!).ToList(), ct);
        var confirmed = rows.Values.Where(r => r.Status == ClaimStatus.Confirmed).Select(r => r.ClaimId).ToList();
        var (_, moved) = await attempts.MarkAsync(confirmed, ct);
        foreach (var row in moved) rows[row.ClaimId] = row; // expired by the reconciler meanwhile: not charged
        var done = new ConcurrentBag<ClaimDelivery>();
        await Parallel.ForEachAsync(byClaim, new ParallelOptions { MaxDegreeOfParallelism = payments.Value.MaxConcurrentCharges, CancellationToken = ct },
            async (deliveries, token) =>
            {
                if (!rows.TryGetValue(deliveries.Key, out var row))
                {
                    // Not recorded: PostgreSQL already holds another claim of this user for this sale.
                    foreach (var d in deliveries) await transport.DeadLetterAsync(d, "another claim of this user is already recorded", token);
                    return;
                }
                if (await AdvanceAsync(row, sale, token)) foreach (var d in deliveries) done.Add(d);
            });
        if (!done.IsEmpty) await transport.AcknowledgeAsync(done.ToArray(), ct);
    }

    private async Task<bool> AdvanceAsync(ClaimRow claim, SaleRow sale, CancellationToken ct)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ClaimId"] = claim.ClaimId, ["SaleId"] = claim.SaleId });
        try
        {
            switch (claim.Status)
            {
                case ClaimStatus.Confirmed:
                    return await settler.SettleAsync(claim, sale, ct);
                case ClaimStatus.PaymentPending:
                    // The pending settler owns it from here.
                    return true;
                case var s when ClaimStatus.ReturnsStock(s):
                    // Its units went back in PostgreSQL; make sure Redis has them too (idempotent).
                    await pool.ReleaseAsync(claim.SaleId, claim.ClaimId);
                    return true;
                case var s when ClaimStatus.IsTerminal(s):
                    return true;
                default:
                    return false;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Claim {ClaimId} could not be advanced; it will be redelivered", claim.ClaimId);
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
