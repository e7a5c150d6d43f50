using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Verdict;

namespace FlashSale.Load.Reports;

/// <summary>Everything a report shows; the Markdown and HTML writers only lay it out.</summary>
public sealed record ReportModel(
    LoadOptions Options, SaleView Sale, RunFigures Figures, AuditReport Audit, IReadOnlyList<ThresholdResult> Thresholds,
    int ExitCode, string Verdict, DateTimeOffset FinishedAt)
{
    public bool Passed => ExitCode == ExitCodes.Passed;

    /// <summary>Rows of the latency table: every outcome that happened, then all requests together.</summary>
    public IEnumerable<(string Name, HdrHistogram.HistogramBase Latency)> LatencyRows =>
        Outcomes.All.Where(o => Figures.Count(o) > 0).Select(o => (o.Name(), Figures.Latency[o]))
            .Append(("all", Figures.AllLatency));

    public IEnumerable<(string Name, string Value)> Setup =>
    [
        ("target", Options.Url.ToString()),
        ("sale", $"{Sale.SaleId} ({(Options.SaleId is null ? "created by the tool" : "existing")}, stock {Sale.Stock:N0})"),
        ("scenario", $"{Options.ScenarioName}, {Options.Model.ToString().ToLowerInvariant()} model"),
        ("crowd", Options.Model == LoadModel.Closed
            ? $"{Options.Concurrency} concurrent buyers, up to {Options.Duration.TotalSeconds:0.#} s" + (Options.Scenario == Scenario.FlashCrowd ? $", {Options.Users:N0} buyers" : "")
            : Options.Scenario switch
            {
                Scenario.FlashCrowd => $"{Options.Users:N0} buyers arriving within {Options.ArrivalWindow.TotalSeconds:0.##} s",
                Scenario.Steady => $"{Options.Rate:N0} arrivals/s for {Options.Duration.TotalSeconds:0.#} s",
                _ => $"{string.Join(" → ", ArrivalPlanRates())} arrivals/s over {Options.Duration.TotalSeconds:0.#} s",
            }),
        ("behaviour", Options.Scenario == Scenario.FlashCrowd
            ? $"{Options.DoubleClickShare:P0} double clicks, up to {Options.Retries} retries after timeout/429/503, {Options.DeclineShare:P0} declining cards"
            : $"{Options.DeclineShare:P0} declining cards"),
        ("client", $"{Options.Connections} connections, timeout {Options.Timeout.TotalSeconds:0.#} s" +
                   (Options.Model == LoadModel.Open ? $", at most {Options.MaxInFlight:N0} in flight, late after {Options.LateAfter.TotalMilliseconds:0} ms" : "")),
        ("machine", $"{Environment.MachineName}, {Environment.ProcessorCount} cores, .NET {Environment.Version}"),
        ("finished", FinishedAt.ToString("u")),
    ];

    private IEnumerable<string> ArrivalPlanRates() => FlashSale.Load.Traffic.ArrivalPlan.RampRates(Options).Select(r => r.ToString("N0"));

    public IEnumerable<(string Name, string Value)> Traffic =>
    [
        ("requests planned", $"{Figures.Planned:N0}"),
        ("sent", $"{Figures.Sent:N0}"),
        ("answered", $"{Figures.Answered:N0}"),
        ("dropped (never sent: too many in flight)", $"{Figures.Dropped:N0}"),
        ($"late (sent > {Options.LateAfter.TotalMilliseconds:0} ms after the plan)", $"{Figures.Late:N0}"),
        ("traffic duration", $"{Figures.Seconds:0.00} s"),
        ("throughput", $"{Figures.RequestsPerSecond:N0} answered req/s"),
        ("claims admitted (202)", $"{Audit.ClaimsAdmitted:N0}"),
        ("claims polled at the end", $"{Audit.ClaimsPolled:N0}"),
        ("last 202 answer", Figures.LastAdmittedAtSeconds is { } last ? $"{last:0.00} s after the start" : "none"),
        ("every admitted unit settled (counts: nothing in flight)", Figures.AllSettledAtSeconds is { } all && Figures.LastAdmittedAtSeconds is { } l
            ? $"{all:0.00} s after the start = {all - l:0.00} s after the last 202 (sampled every 0.5 s)" : "not seen in the samples"),
        ("paid units/s (admin counts)", $"mean {Figures.PaidPerSecond.Mean:N0} from the first paid unit to settled, best 5 s (or all samples, if fewer) {Figures.PaidPerSecond.Peak:N0}"),
        ("audit finished after traffic", $"{Audit.SettledAfterSeconds:0.00} s (includes polling every claim)"),
    ];
}
