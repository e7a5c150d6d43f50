using HdrHistogram;
using System.Globalization;
using System.Text.RegularExpressions;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Verdict;

/// <summary>
/// One pass/fail rule on the run, k6 style: <c>p99&lt;20ms</c>, <c>admitted.p99.9&lt;=50ms</c>, <c>errors&lt;0.1%</c>,
/// <c>errors&lt;10</c> (a count), <c>dropped&lt;1%</c>, <c>late&lt;5%</c>, <c>rps&gt;1000</c>. Latency without an outcome
/// prefix covers every answered request.
/// </summary>
/// A <c>:abort</c> suffix (k6's abortOnFail) checks it every 0.5 s during the traffic and stops the crowd when it fails.
/// <c>paid.p99&lt;15s</c>: the buyers' click-to-paid time (<c>--poll-claim</c>).
public sealed partial record Threshold(string Text, Outcome? Outcome, string Metric, string Operator, double Limit, bool Percent, bool AbortOnFail = false)
{
    /// <summary>A latency of the buyers' click-to-paid time rather than of the claim requests.</summary>
    public bool ClickToPaid { get; init; }

    public const string AbortSuffix = ":abort";

    public static Threshold Parse(string text)
    {
        var abort = text.EndsWith(AbortSuffix, StringComparison.Ordinal);
        var m = Shape().Match((abort ? text[..^AbortSuffix.Length] : text).Replace(" ", ""));
        if (!m.Success) throw new FormatException($"Threshold '{text}' is not of the form metric<value, e.g. p99<20ms or errors<0.1%.");
        var paid = m.Groups["outcome"].Value == "paid";
        var outcome = m.Groups["outcome"].Success && !paid
            ? Outcomes.Parse(m.Groups["outcome"].Value) ?? throw new FormatException($"Threshold '{text}': unknown outcome '{m.Groups["outcome"].Value}'.")
            : (Outcome?)null;
        var metric = m.Groups["metric"].Value;
        var value = double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        var unit = m.Groups["unit"].Value;
        var latency = IsLatency(metric);
        if (latency && unit is "" or "%") throw new FormatException($"Threshold '{text}': a latency needs a unit (us, ms or s).");
        if (!latency && unit is "us" or "ms" or "s") throw new FormatException($"Threshold '{text}': {metric} takes a count or a percentage.");
        if (!latency && (outcome is not null || paid)) throw new FormatException($"Threshold '{text}': only latencies take an outcome prefix.");
        if (metric == "rps" && unit == "%") throw new FormatException($"Threshold '{text}': rps takes a number.");
        var limit = unit switch { "us" => value / 1000, "s" => value * 1000, _ => value }; // latencies in ms
        return new Threshold(text, outcome, metric, m.Groups["op"].Value, limit, unit == "%", abort) { ClickToPaid = paid };
    }

    private static bool IsLatency(string metric) => metric is "p50" or "p90" or "p95" or "p99" or "p99.9" or "p999" or "max" or "mean";

    /// <summary>The measured value, in ms for latencies, a percentage or a count otherwise.</summary>
    public double Measure(RunFigures run)
    {
        if (IsLatency(Metric))
        {
            // Before the buyers are done (an :abort check) or without --poll-claim there is no click-to-paid time yet: 0.
            var h = ClickToPaid ? run.ClickToPaid ?? new LongHistogram(1, LoadRecorder.HighestMicros, 3) : Outcome is { } o ? run.Latency[o] : run.AllLatency;
            return Metric switch
            {
                "max" => h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0,
                "mean" => h.TotalCount == 0 ? 0 : h.GetMean() / 1000.0,
                "p99.9" or "p999" => LoadRecorder.Ms(h, 99.9),
                _ => LoadRecorder.Ms(h, double.Parse(Metric[1..], CultureInfo.InvariantCulture)),
            };
        }
        var (count, of) = Metric switch
        {
            "errors" => (run.Count(Metrics.Outcome.Error), run.Answered),
            "dropped" => (run.Dropped, run.Planned),
            "late" => (run.Late, run.Planned),
            _ => ((long)Math.Round(run.RequestsPerSecond), 0L),
        };
        return Metric == "rps" ? run.RequestsPerSecond : Percent ? (of == 0 ? 0 : 100.0 * count / of) : count;
    }

    public bool Holds(double measured) => Operator switch
    {
        "<" => measured < Limit,
        "<=" => measured <= Limit,
        ">" => measured > Limit,
        _ => measured >= Limit,
    };

    public string Format(double value) => IsLatency(Metric) ? $"{value:0.###} ms" : Percent ? $"{value:0.###}%" : $"{value:0.##}";

    [GeneratedRegex(@"^(?:(?<outcome>admitted|replay|sold_out|sold-out|not_started|not-started|error|errors|paid)\.)?(?<metric>p50|p90|p95|p99\.9|p999|p99|max|mean|errors|dropped|late|rps)(?<op><=|>=|<|>)(?<value>\d+(?:\.\d+)?)(?<unit>us|ms|s|%)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}

public sealed record ThresholdResult(Threshold Threshold, double Measured, bool Passed);
