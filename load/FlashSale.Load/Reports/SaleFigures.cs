using HdrHistogram;
using FlashSale.Load.Api;
using FlashSale.Load.Metrics;
using FlashSale.Load.Traffic;
using FlashSale.Load.Verdict;

namespace FlashSale.Load.Reports;

/// <summary>One sale of a run on several (<c>--sales</c>): its answers, its counts at the end, and its own audit.</summary>
public sealed record SaleFigures(
    string SaleId, int Stock, IReadOnlyDictionary<Outcome, long> Outcomes, HistogramBase Latency, SaleCounts? Counts, IReadOnlyList<InvariantResult> Invariants)
{
    public bool Passed => Invariants.All(i => i.Passed);

    public static SaleFigures Of(TargetSale target, SaleView view, AuditReport audit) => new(
        target.SaleId, view.Stock, Metrics.Outcomes.All.ToDictionary(o => o, target.Tally.Count), target.Tally.Latency(), audit.Counts,
        audit.Invariants.Select(i => i with { SaleId = target.SaleId }).ToList());
}
