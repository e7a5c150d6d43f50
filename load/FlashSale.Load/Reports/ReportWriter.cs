using HdrHistogram;
using System.Net;
using System.Text;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Reports;

/// <summary>
/// Writes <c>rehearsal-*.md</c> (charts as PNG files beside it) and a self-contained <c>rehearsal-*.html</c>
/// (the same charts embedded as base64), so the HTML can be attached to a ticket on its own.
/// </summary>
public static class ReportWriter
{
    public static (string Markdown, string Html) Write(ReportModel report, string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = $"rehearsal-{report.FinishedAt:yyyyMMdd-HHmmss}-{report.Options.ScenarioName}-{report.Sale.SaleId[^6..]}";
        var charts = Charts.Render(report);
        foreach (var (name, _, png) in charts) File.WriteAllBytes(Path.Combine(directory, $"{stem}-{name}.png"), png);

        var markdown = Path.Combine(directory, stem + ".md");
        File.WriteAllText(markdown, Markdown(report, charts.Select(c => (c.Title, $"{stem}-{c.Name}.png")).ToList()));
        var html = Path.Combine(directory, stem + ".html");
        File.WriteAllText(html, Html(report, charts));
        return (Path.GetFullPath(markdown), Path.GetFullPath(html));
    }

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : ms < 100 ? "0.0" : "0");

    private static string[] LatencyCells(HdrHistogram.HistogramBase h) =>
    [
        h.TotalCount.ToString("N0"), Ms(LoadRecorder.Ms(h, 50)), Ms(LoadRecorder.Ms(h, 90)), Ms(LoadRecorder.Ms(h, 99)),
        Ms(LoadRecorder.Ms(h, 99.9)), Ms(h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0),
    ];

    private static readonly string[] LatencyHeader = ["outcome", "count", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"];

    public static string Markdown(ReportModel r, IReadOnlyList<(string Title, string File)> charts)
    {
        var s = new StringBuilder();
        s.AppendLine($"# FlashSale rehearsal: {r.Headline} (exit code {r.ExitCode})").AppendLine();
        s.AppendLine(r.Verdict).AppendLine();
        s.AppendLine("## Setup").AppendLine();
        Table(s, ["", ""], r.Setup.Select(x => new[] { x.Name, x.Value }));
        s.AppendLine("## Traffic").AppendLine();
        Table(s, ["", ""], r.Traffic.Select(x => new[] { x.Name, x.Value }));
        if (r.Sales is not null)
        {
            s.AppendLine("## Sales (each audited on its own, then all together)").AppendLine();
            Table(s, ReportModel.SalesHeader, r.SalesRows);
        }
        if (r.Buyers is not null)
        {
            s.AppendLine("## The buyers after the click").AppendLine();
            Table(s, ["", ""], r.BuyerRows.Select(x => new[] { x.Name, x.Value }));
        }
        if (r.Agents is not null)
        {
            s.AppendLine("## Agents (one crowd, one audit)").AppendLine();
            Table(s, ["", ""], r.AgentRows.Select(x => new[] { x.Name, x.Value }));
        }
        if (r.Generator is not null)
        {
            s.AppendLine("## The generator (the tool watching itself)").AppendLine();
            Table(s, ["", ""], r.GeneratorRows.Select(x => new[] { x.Name, x.Value }));
        }
        if (r.Queue is not null)
        {
            s.AppendLine("## Waiting room").AppendLine();
            Table(s, ["", ""], r.WaitingRoomRows.Select(x => new[] { x.Name, x.Value }));
        }
        if (r.Fairness is not null)
        {
            s.AppendLine("## Fairness").AppendLine();
            Table(s, ["", ""], r.FairnessRows.Select(x => new[] { x.Name, x.Value }));
        }
        if (r.Opening is not null)
        {
            s.AppendLine("## The opening: first 10 s after T0, 100 ms buckets (by answer time)").AppendLine();
            Table(s, ReportModel.OpeningHeader, r.OpeningRows);
        }
        if (r.ServiceRows.Any())
        {
            s.AppendLine("## The service's metrics (its /metrics, once a second)").AppendLine();
            Table(s, ["", ""], r.ServiceRows.Select(x => new[] { x.Name, x.Value }));
        }
        s.AppendLine("## Latency (from each request's intended start)").AppendLine();
        Table(s, LatencyHeader, r.LatencyRows.Select(x => LatencyCells(x.Latency).Prepend(x.Name).ToArray()));
        s.AppendLine("## Errors by code").AppendLine();
        if (r.Figures.ErrorCodes.Count == 0) s.AppendLine("None.").AppendLine();
        else Table(s, ["code", "count"], r.Figures.ErrorCodes.Select(e => new[] { e.Key, e.Value.ToString("N0") }));
        s.AppendLine("## Thresholds").AppendLine();
        Table(s, ["threshold", "measured", "result"], r.Thresholds.Select(t => new[] { t.Threshold.Text, t.Threshold.Format(t.Measured), t.Passed ? "pass" : "**FAIL**" }));
        s.AppendLine("## Invariants").AppendLine();
        Table(s, ["#", "invariant", "result", "checked"], r.Audit.Invariants.Select(i => new[]
        {
            i.Number.ToString(), $"{i.Label}: {i.Rule}", i.Passed ? "pass" : $"**BROKEN** (exit {i.ExitCode})",
            string.Join("<br>", i.Checked.Select(c => (i.Broken.Contains(c) ? "✗ " : "✓ ") + c)),
        }));
        if (!r.Audit.Exclusive) s.AppendLine("The sale had claims before this run, so counts were checked as bounds, not equalities.").AppendLine();
        s.AppendLine("## Final claim statuses (polled)").AppendLine();
        Table(s, ["status", "claims"], r.Audit.FinalStatuses.OrderByDescending(x => x.Value).Select(x => new[] { x.Key, x.Value.ToString("N0") }));
        if (r.Audit.Counts is { } c)
        {
            s.AppendLine("## Sale counts at the end (admin API)").AppendLine();
            Table(s, ["stock", "remaining", "admitted", "confirmed", "paid", "paymentFailed", "released", "rejected", "inFlight", "sold"],
                [[$"{c.Stock}", $"{c.Remaining}", $"{c.Admitted}", $"{c.Confirmed}", $"{c.Paid}", $"{c.PaymentFailed}", $"{c.Released}", $"{c.Rejected}", $"{c.InFlight}", $"{c.Sold}"]]);
        }
        s.AppendLine("## Charts").AppendLine();
        foreach (var (title, file) in charts) s.AppendLine($"![{title}]({file})").AppendLine();
        s.AppendLine("## Exit codes").AppendLine();
        Table(s, ["code", "meaning"], ExitCodes.All.Select(e => new[] { e.Code.ToString(), e.Meaning }));
        return s.ToString();
    }

    private static void Table(StringBuilder s, string[] header, IEnumerable<string[]> rows)
    {
        s.AppendLine("| " + string.Join(" | ", header) + " |");
        s.AppendLine("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (var row in rows) s.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|"))) + " |");
        s.AppendLine();
    }

    public static string Html(ReportModel r, IReadOnlyList<(string Name, string Title, byte[] Png)> charts)
    {
        var s = new StringBuilder();
        var color = r.Passed ? "#1a7f37" : "#cf222e";
        s.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>FlashSale rehearsal {{E(r.Sale.SaleId)}}</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#1f2328}
            table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f6f8fa}.verdict{font-size:1.3em;font-weight:bold;color:{{color}}}.broken{color:#cf222e;font-weight:bold}
            img{max-width:100%;border:1px solid #d0d7de;margin-bottom:1em}
            </style></head><body>
            <h1>FlashSale rehearsal</h1>
            <p class="verdict">{{r.Headline}} (exit code {{r.ExitCode}})</p><p>{{E(r.Verdict)}}</p>
            """);
        s.Append("<h2>Setup</h2>");
        HtmlTable(s, null, r.Setup.Select(x => new[] { E(x.Name), E(x.Value) }));
        s.Append("<h2>Traffic</h2>");
        HtmlTable(s, null, r.Traffic.Select(x => new[] { E(x.Name), E(x.Value) }));
        if (r.Sales is not null)
        {
            s.Append("<h2>Sales (each audited on its own, then all together)</h2>");
            HtmlTable(s, ReportModel.SalesHeader, r.SalesRows.Select(row => row.Select(E).ToArray()));
        }
        if (r.Buyers is not null)
        {
            s.Append("<h2>The buyers after the click</h2>");
            HtmlTable(s, null, r.BuyerRows.Select(x => new[] { E(x.Name), E(x.Value) }));
        }
        if (r.Agents is not null)
        {
            s.Append("<h2>Agents (one crowd, one audit)</h2>");
            HtmlTable(s, null, r.AgentRows.Select(x => new[] { E(x.Name), E(x.Value) }));
        }
        if (r.Generator is not null)
        {
            s.Append("<h2>The generator (the tool watching itself)</h2>");
            HtmlTable(s, null, r.GeneratorRows.Select(x => new[] { E(x.Name), E(x.Value) }));
        }
        if (r.Queue is not null)
        {
            s.Append("<h2>Waiting room</h2>");
            HtmlTable(s, null, r.WaitingRoomRows.Select(x => new[] { E(x.Name), E(x.Value) }));
        }
        if (r.Fairness is not null)
        {
            s.Append("<h2>Fairness</h2>");
            HtmlTable(s, null, r.FairnessRows.Select(x => new[] { E(x.Name), E(x.Value) }));
        }
        if (r.Opening is not null)
        {
            s.Append("<h2>The opening: first 10 s after T0, 100 ms buckets (by answer time)</h2>");
            HtmlTable(s, ReportModel.OpeningHeader, r.OpeningRows);
        }
        if (r.ServiceRows.Any())
        {
            s.Append("<h2>The service's metrics (its /metrics, once a second)</h2>");
            HtmlTable(s, null, r.ServiceRows.Select(x => new[] { E(x.Name), E(x.Value) }));
        }
        s.Append("<h2>Latency (from each request's intended start)</h2>");
        HtmlTable(s, LatencyHeader, r.LatencyRows.Select(x => LatencyCells(x.Latency).Prepend(x.Name).Select(E).ToArray()));
        s.Append("<h2>Errors by code</h2>");
        if (r.Figures.ErrorCodes.Count == 0) s.Append("<p>None.</p>");
        else HtmlTable(s, ["code", "count"], r.Figures.ErrorCodes.Select(e => new[] { E(e.Key), e.Value.ToString("N0") }));
        s.Append("<h2>Thresholds</h2>");
        HtmlTable(s, ["threshold", "measured", "result"], r.Thresholds.Select(t => new[]
            { E(t.Threshold.Text), E(t.Threshold.Format(t.Measured)), t.Passed ? "pass" : "<span class=\"broken\">FAIL</span>" }));
        s.Append("<h2>Invariants</h2>");
        HtmlTable(s, ["#", "invariant", "result", "checked"], r.Audit.Invariants.Select(i => new[]
        {
            i.Number.ToString(), E($"{i.Label}: {i.Rule}"), i.Passed ? "pass" : $"<span class=\"broken\">BROKEN (exit {i.ExitCode})</span>",
            string.Join("<br>", i.Checked.Select(c => i.Broken.Contains(c) ? $"<span class=\"broken\">✗ {E(c)}</span>" : $"✓ {E(c)}")),
        }));
        s.Append("<h2>Final claim statuses (polled)</h2>");
        HtmlTable(s, ["status", "claims"], r.Audit.FinalStatuses.OrderByDescending(x => x.Value).Select(x => new[] { E(x.Key), x.Value.ToString("N0") }));
        s.Append("<h2>Charts</h2>");
        foreach (var (_, title, png) in charts)
            s.Append($"<h3>{E(title)}</h3><img alt=\"{E(title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">");
        s.Append("<h2>Exit codes</h2>");
        HtmlTable(s, ["code", "meaning"], ExitCodes.All.Select(e => new[] { e.Code.ToString(), E(e.Meaning) }));
        s.Append("</body></html>\n");
        return s.ToString();
    }

    private static void HtmlTable(StringBuilder s, string[]? header, IEnumerable<string[]> rows)
    {
        s.Append("<table>");
        if (header is not null) s.Append("<tr>").Append(string.Concat(header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr>");
        foreach (var row in rows) s.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{c}</td>"))).Append("</tr>");
        s.Append("</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
