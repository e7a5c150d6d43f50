using System.Collections.Concurrent;
using FlashSale.Service.Ops;
using FlashSale.Service.Pool;
using Prometheus;

namespace FlashSale.Service.Claims;

/// <summary>
/// The claim endpoint's per-sale series (<see cref="FlashSaleMetrics.Claims"/>, <see cref="FlashSaleMetrics.StockRemaining"/>),
/// looked up once per sale and outcome rather than per request. Only sales with a pool are kept, as in
/// <see cref="AdmitScript"/>: made-up sale ids cannot grow this.
/// </summary>
internal static class ClaimSeries
{
    private static readonly ConcurrentDictionary<(string SaleId, string Outcome), Counter.Child> Outcomes = new();
    private static readonly ConcurrentDictionary<string, Gauge.Child> Remaining = new(StringComparer.Ordinal);

    public static void Record(string saleId, in AdmitResult result)
    {
        if (result.Outcome == "not_preloaded")
        {
            FlashSaleMetrics.Claims.WithLabels(saleId, result.Outcome).Inc();
            return;
        }
        Outcomes.GetOrAdd((saleId, result.Outcome), static key => FlashSaleMetrics.Claims.WithLabels(key.SaleId, key.Outcome)).Inc();
        if (result.Remaining >= 0)
            Remaining.GetOrAdd(saleId, static sale => FlashSaleMetrics.StockRemaining.WithLabels(sale)).Set(result.Remaining);
    }
}
