using FlashSale.Load.Metrics;
using ScottPlot;

namespace FlashSale.Load.Reports;

/// <summary>The opening's charts: answers and latency per 100 ms over the first 10 s after T0.</summary>
public static class OpeningCharts
{
    public static IEnumerable<(string Name, string Title, byte[] Png)> Render(IReadOnlyList<OpeningBucket> b)
    {
        var t = b.Select(x => x.FromMs / 1000).ToArray();
        var answers = Charts.New("answers per 100 ms");
        answers.Axes.Bottom.Label.Text = "seconds after T0";
        Charts.Line(answers, t, b.Select(x => (double)x.Admitted).ToArray(), "admitted", Colors.Green);
        Charts.Line(answers, t, b.Select(x => (double)x.SoldOut).ToArray(), "sold_out", Colors.SteelBlue);
        Charts.Line(answers, t, b.Select(x => (double)x.NotStarted).ToArray(), "not_started (early refreshes)", Colors.Gray);
        Charts.Line(answers, t, b.Select(x => (double)x.Error).ToArray(), "error", Colors.Red);
        yield return ("opening-answers", "The opening: answers per 100 ms, first 10 s after T0", Charts.Png(answers, Alignment.UpperRight));

        var answered = b.Where(x => x.Admitted + x.Replay + x.Refused > 0).ToList();
        var latency = Charts.New("latency (ms)");
        latency.Axes.Bottom.Label.Text = "seconds after T0";
        var at = answered.Select(x => x.FromMs / 1000).ToArray();
        Charts.Line(latency, at, answered.Select(x => x.P50Ms).ToArray(), "p50", Colors.SteelBlue);
        Charts.Line(latency, at, answered.Select(x => x.P99Ms).ToArray(), "p99", Colors.OrangeRed);
        Charts.Line(latency, at, answered.Select(x => x.MaxMs).ToArray(), "max", Colors.Gray);
        yield return ("opening-latency", "The opening: latency per 100 ms of answers, first 10 s after T0", Charts.Png(latency));
    }
}
