using FlashSale.Load.Metrics;
using ScottPlot;

namespace FlashSale.Load.Reports;

/// <summary>The report's charts as PNG bytes (ScottPlot renders with Skia, no display needed).</summary>
public static class Charts
{
    private const int Width = 900;
    private const int Height = 360;

    public static IReadOnlyList<(string Name, string Title, byte[] Png)> Render(ReportModel report)
    {
        var b = report.Figures.Buckets.Where(x => x.IntervalSeconds > 0).ToList();
        List<(string, string, byte[])> charts =
        [
            ("latency", "Latency over time (per 0.5 s interval)", LatencyOverTime(b)),
            ("throughput", "Throughput over time", ThroughputOverTime(b)),
            ("stock", "Admitted, remaining and paid vs. stock over time", AdmittedVsStock(b, report.Sale.Stock)),
            ("histogram", "Latency histogram (all answered requests)", Histogram(report.Figures)),
        ];
        if (report.Opening is { } opening) charts.AddRange(OpeningCharts.Render(opening));
        if (report.Service is { Count: > 0 } service) charts.AddRange(ServiceCharts.Render(service, b));
        return charts;
    }

    private static byte[] LatencyOverTime(List<Bucket> all)
    {
        var b = all.Where(x => x.Total > 0).ToList(); // intervals without answers have no latency to show
        var plot = New("latency (ms)");
        var t = b.Select(x => x.AtSeconds).ToArray();
        Line(plot, t, b.Select(x => x.P50Ms).ToArray(), "p50", Colors.SteelBlue);
        Line(plot, t, b.Select(x => x.P99Ms).ToArray(), "p99", Colors.OrangeRed);
        Line(plot, t, b.Select(x => x.MaxMs).ToArray(), "max", Colors.Gray);
        return Png(plot);
    }

    private static byte[] ThroughputOverTime(List<Bucket> b)
    {
        var plot = New("answers per second");
        var t = b.Select(x => x.AtSeconds).ToArray();
        Line(plot, t, b.Select(x => x.RequestsPerSecond).ToArray(), "all", Colors.Black);
        var colors = new[] { Colors.Green, Colors.Orange, Colors.SteelBlue, Colors.Gray, Colors.Red };
        foreach (var o in Outcomes.All.Where(o => b.Any(x => x.Counts[(int)o] > 0)))
            Line(plot, t, b.Select(x => x.Counts[(int)o] / x.IntervalSeconds).ToArray(), o.Name(), colors[(int)o]);
        return Png(plot);
    }

    private static byte[] AdmittedVsStock(List<Bucket> b, int stock)
    {
        var plot = New("units");
        var t = b.Select(x => x.AtSeconds).Prepend(0).ToArray();
        // A declined payment gives its unit back to the sale, so admitted can pass the stock without overselling.
        Line(plot, t, b.Select(x => (double)x.AdmittedSoFar).Prepend(0).ToArray(), "admitted (202 answers so far; declined units are sold again)", Colors.Green);
        var polled = b.Where(x => x.StockRemaining is not null).ToList();
        if (polled.Count > 0)
            Line(plot, polled.Select(x => x.AtSeconds).Prepend(0).ToArray(), polled.Select(x => (double)x.StockRemaining!.Value).Prepend(stock).ToArray(),
                "remaining (polled)", Colors.SteelBlue);
        var paid = b.Where(x => x.Paid is not null).ToList();
        if (paid.Count > 0)
            Line(plot, paid.Select(x => x.AtSeconds).Prepend(0).ToArray(), paid.Select(x => (double)x.Paid!.Value).Prepend(0).ToArray(), "paid", Colors.Purple);
        var line = plot.Add.HorizontalLine(stock, 2, Colors.Red, LinePattern.Dashed);
        line.LegendText = "stock";
        return Png(plot, Alignment.LowerRight);
    }

    /// <summary>Log-spaced bins, since a crowd's latencies span from under a millisecond to seconds.</summary>
    private static byte[] Histogram(RunFigures f)
    {
        var plot = New("requests");
        plot.Axes.Bottom.Label.Text = "latency (ms, log scale)";
        var h = f.AllLatency;
        if (h.TotalCount > 0)
        {
            const int perDecade = 8;
            var counts = new SortedDictionary<int, long>();
            foreach (var v in h.RecordedValues())
            {
                var ms = Math.Max(v.ValueIteratedTo / 1000.0, 0.001);
                var bin = (int)Math.Floor(Math.Log10(ms) * perDecade);
                counts[bin] = counts.GetValueOrDefault(bin) + v.CountAddedInThisIterationStep;
            }
            var bars = counts.Select(c => new Bar
            {
                Position = (c.Key + 0.5) / perDecade, Value = c.Value, Size = 0.9 / perDecade, FillColor = Colors.SteelBlue,
            }).ToArray();
            plot.Add.Bars(bars);
            var decades = Enumerable.Range((int)Math.Floor((double)counts.Keys.First() / perDecade), (int)Math.Ceiling((double)counts.Keys.Last() / perDecade) - (int)Math.Floor((double)counts.Keys.First() / perDecade) + 2).ToArray();
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
                decades.Select(d => (double)d).ToArray(), decades.Select(d => Math.Pow(10, d).ToString("0.###")).ToArray());
            plot.Axes.Margins(bottom: 0);
        }
        return Png(plot);
    }

    internal static Plot New(string yLabel)
    {
        var plot = new Plot();
        plot.Axes.Left.Label.Text = yLabel;
        plot.Axes.Bottom.Label.Text = "seconds since start";
        return plot;
    }

    internal static void Line(Plot plot, double[] x, double[] y, string label, Color color)
    {
        if (x.Length == 0) return;
        var s = plot.Add.Scatter(x, y, color);
        s.LegendText = label;
        s.MarkerSize = x.Length > 60 ? 0 : 4;
        s.LineWidth = 2;
    }

    internal static byte[] Png(Plot plot, Alignment legend = Alignment.UpperLeft)
    {
        if (plot.GetPlottables().Any(p => p.LegendItems.Any(i => !string.IsNullOrEmpty(i.LabelText)))) plot.ShowLegend(legend);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
