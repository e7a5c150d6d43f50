using HdrHistogram;
using FlashSale.Load.Metrics;
using Spectre.Console;

namespace FlashSale.Load.Reports;

/// <summary>The end-of-run summary on the console: latencies, errors, thresholds, invariants, verdict.</summary>
public static class SummaryPrinter
{
    public static void Print(IAnsiConsole console, ReportModel r, string markdown, string html)
    {
        var latency = new Table().Title("Latency from intended start (ms)").AddColumns("outcome", "count", "p50", "p90", "p99", "p99.9", "max");
        foreach (var (name, h) in r.LatencyRows)
            latency.AddRow(name, h.TotalCount.ToString("N0"), F(LoadRecorder.Ms(h, 50)), F(LoadRecorder.Ms(h, 90)), F(LoadRecorder.Ms(h, 99)),
                F(LoadRecorder.Ms(h, 99.9)), F(h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0));
        console.Write(latency);
        console.WriteLine($"{r.Figures.Answered:N0} answered in {r.Figures.Seconds:0.00} s ({r.Figures.RequestsPerSecond:N0} req/s); " +
                          $"dropped {r.Figures.Dropped:N0}, late {r.Figures.Late:N0}", new Style());
        if (r.Figures.ErrorCodes.Count > 0)
            console.WriteLine("errors by code: " + string.Join(", ", r.Figures.ErrorCodes.Select(e => $"{e.Key} {e.Value:N0}")), new Style(Color.Yellow));

        foreach (var row in r.SalesRows)
            console.WriteLine($"sale {row[0]}: admitted {row[2]}, sold_out {row[4]}, error {row[5]}, p99 {row[7]} ms, paid {row[8]}, remaining {row[9]}; invariants {row[10]}", new Style());
        foreach (var (name, value) in r.WaitingRoomRows.Concat(r.FairnessRows)) console.WriteLine($"{name}: {value}", new Style());

        if (r.Generator is { } g)
        {
            console.WriteLine($"generator: send lag p99 {g.SendLagP99Ms:0.00} ms, CPU mean {g.CpuShare:P0} / busiest {g.PeakCpuShare:P0} of {g.Cores} cores, {g.CpuMicrosPerRequest:0} µs CPU per request", new Style());
            if (g.Saturated)
                console.WriteLine("THE GENERATOR WAS THE BOTTLENECK, not (only) the service: " + string.Join("; ", g.Reasons) +
                                  ". Run agents (--agents) or give the tool more CPU.", new Style(Color.Red, decoration: Decoration.Bold));
        }
        var checks = new Table().Title("Verdict").AddColumns("check", "result");
        foreach (var t in r.Thresholds)
            checks.AddRow(Markup.Escape($"threshold {t.Threshold.Text} (measured {t.Threshold.Format(t.Measured)})"), t.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        foreach (var i in r.Audit.Invariants)
            checks.AddRow(Markup.Escape($"invariant {i.Number} {i.Label}"),
                i.Passed ? "[green]pass[/]" : $"[red]BROKEN[/] {Markup.Escape(string.Join("; ", i.Broken))}");
        console.Write(checks);
        console.WriteLine($"{r.Verdict} (exit code {r.ExitCode})", new Style(r.Passed ? Color.Green : Color.Red, decoration: Decoration.Bold));
        console.WriteLine($"report: {markdown}", new Style());
        console.WriteLine($"report: {html}", new Style());
    }

    private static string F(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0");
}
