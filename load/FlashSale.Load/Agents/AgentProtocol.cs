using System.Text;
using HdrHistogram;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Agents;

/// <summary>
/// What a coordinator asks of an agent: its share of one run's arrival plan, on a sale the coordinator made, starting at
/// one wall-clock moment for every agent (same machine, or clocks kept by NTP).
/// </summary>
/// <param name="T0UnixMs">The opening (<c>--starts-in</c>): the sale's start, for the plan built around it.</param>
/// <param name="SaleIds"><c>--sales</c>: every sale of the run, in order (null: <paramref name="SaleId"/> alone).</param>
public sealed record AgentJob(LoadOptions Options, string SaleId, string RunTag, int Share, int Shares, long StartAtUnixMs, long? T0UnixMs,
    IReadOnlyList<string>? SaleIds = null);

/// <summary>An agent's last word, after its histograms: its counters, its buyers' claims, and its watch on itself.</summary>
public sealed record AgentResult(
    long Sent, long Dropped, long Late, IReadOnlyDictionary<string, long> ErrorCodes, IReadOnlyList<AgentClaims> Claims, GeneratorFigures Generator)
{
    /// <summary><c>--poll-claim</c>: the agent's winners following their claims; null when they left after the click.</summary>
    public AgentBuyers? Buyers { get; init; }
    /// <summary><c>--starts-in</c>: the agent's answers in the opening's 100 ms buckets from T0 (only buckets with answers).</summary>
    public IReadOnlyList<AgentOpeningBucket>? Opening { get; init; }
    /// <summary>The coordinator stopped the agent's share before its plan ended.</summary>
    public bool StoppedEarly { get; init; }
    /// <summary><c>--sales</c>: the agent's answers on each sale, for the report's line of each.</summary>
    public IReadOnlyList<AgentSaleTally>? Sales { get; init; }
}

/// <param name="Sale">The sale's index in <see cref="AgentJob.SaleIds"/>.</param>
/// <param name="Counts">Answers by outcome, in <see cref="Outcomes.All"/>'s order.</param>
/// <param name="Latency">Their latencies as one interval-log line.</param>
public sealed record AgentSaleTally(int Sale, long[] Counts, string Latency);

/// <param name="ClickToPaid">The click-to-paid histogram as one interval-log line (<see cref="AgentLog.Line"/>).</param>
public sealed record AgentBuyers(long Polls, long PollErrors, IReadOnlyDictionary<string, long> Endings, string ClickToPaid);

/// <param name="Index">The bucket: answers from Index × 100 ms after T0.</param>
/// <param name="Counts">Answers by outcome, in <see cref="Outcomes.All"/>'s order.</param>
/// <param name="Latency">Their latencies as one interval-log line.</param>
public sealed record AgentOpeningBucket(int Index, long[] Counts, string Latency);

/// <param name="Sale">The sale's index in <see cref="AgentJob.SaleIds"/>.</param>
public sealed record AgentClaims(string UserId, string PaymentMethodId, IReadOnlyList<string> Admitted, IReadOnlyList<string> Seen, int Sale = 0);

/// <summary>
/// The agent's answer to <c>POST /run</c> is an HdrHistogram interval log (the format of HdrHistogram's
/// HistogramLogWriter), written as the run goes: one line per outcome and 0.5 s interval, tagged with the outcome; at
/// the end the agent's totals tagged <c>total-OUTCOME</c>, then one comment line <c>#[Result] {json}</c>.
/// <c>POST /stop?run=TAG</c> stops that run's share of the crowd (Ctrl-C or an <c>:abort</c> threshold at the coordinator):
/// no new arrival, the requests in flight finish, and the stream ends as usual.
/// </summary>
public static class AgentLog
{
    public const string ResultPrefix = "#[Result] ";
    public const string TotalPrefix = "total-";

    /// <summary>One histogram as one log line.</summary>
    public static string Line(HistogramBase histogram, string tag, long startUnixMs, long endUnixMs)
    {
        var copy = histogram.Copy();
        copy.Tag = tag;
        copy.StartTimeStamp = startUnixMs;
        copy.EndTimeStamp = endUnixMs;
        using var buffer = new MemoryStream();
        using (var writer = new HistogramLogWriter(buffer)) writer.Append(copy);
        // The writer writes UTF-16 and, for a new log, its header first: the histogram is the last line.
        return Encoding.Unicode.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    /// <summary>The histogram of one log line, with its tag; null for a comment or a header.</summary>
    public static HistogramBase? Read(string line)
    {
        if (line.Length == 0 || line[0] == '#' || line.StartsWith("\"StartTimestamp\"", StringComparison.Ordinal)) return null;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line + "\n"));
        using var reader = new HistogramLogReader(stream);
        return reader.ReadHistograms().FirstOrDefault();
    }
}
