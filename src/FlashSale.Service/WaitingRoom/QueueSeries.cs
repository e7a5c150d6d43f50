using System.Collections.Concurrent;
using FlashSale.Service.Ops;
using Prometheus;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// The waiting rooms' Prometheus series (<see cref="FlashSaleMetrics"/>). Per-sale series exist only for sales the
/// outflow found open, and go when the sale does, so no request can grow them.
/// </summary>
internal static class QueueSeries
{
    private static readonly ConcurrentDictionary<string, Counter.Child> RefusalsByReason = new(StringComparer.Ordinal);

    public static void Refused(string reason) =>
        RefusalsByReason.GetOrAdd(reason, static r => FlashSaleMetrics.AdmissionRefusals.WithLabels(r)).Inc();

    public static void Ticked(string saleId, int admitted, int requeued)
    {
        if (admitted > 0) FlashSaleMetrics.QueueAdmissions.WithLabels(saleId).Inc(admitted);
        if (requeued > 0) FlashSaleMetrics.QueueRequeues.WithLabels(saleId).Inc(requeued);
    }

    public static void Counted(string saleId, QueueCounts counts)
    {
        FlashSaleMetrics.QueueTickets.WithLabels(saleId, "waiting").Set(counts.Waiting);
        FlashSaleMetrics.QueueTickets.WithLabels(saleId, "admitted").Set(counts.Admitted);
        FlashSaleMetrics.QueueTickets.WithLabels(saleId, "used").Set(counts.Used);
        if (counts.OutflowPerMinute is { } rate) FlashSaleMetrics.QueueOutflowRate.WithLabels(saleId).Set(rate);
    }

    public static void Forget(string saleId)
    {
        foreach (var state in new[] { "waiting", "admitted", "used" }) FlashSaleMetrics.QueueTickets.RemoveLabelled(saleId, state);
        FlashSaleMetrics.QueueOutflowRate.RemoveLabelled(saleId);
        FlashSaleMetrics.QueueAdmissions.RemoveLabelled(saleId);
        FlashSaleMetrics.QueueRequeues.RemoveLabelled(saleId);
    }
}
