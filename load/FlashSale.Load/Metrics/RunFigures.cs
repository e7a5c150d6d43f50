using HdrHistogram;

namespace FlashSale.Load.Metrics;

/// <summary>The traffic phase, summed up: what thresholds are checked against and reports print.</summary>
public sealed class RunFigures
{
    public required IReadOnlyDictionary<Outcome, HistogramBase> Latency { get; init; }
    public required HistogramBase AllLatency { get; init; }
    public required IReadOnlyDictionary<string, long> ErrorCodes { get; init; }
    public required IReadOnlyList<Bucket> Buckets { get; init; }
    public required long Sent { get; init; }
    public required long Dropped { get; init; }
    public required long Late { get; init; }
    public required double Seconds { get; init; }

    public long Count(Outcome outcome) => Latency[outcome].TotalCount;
    public long Answered => AllLatency.TotalCount;
    /// <summary>Requests planned: sent plus dropped.</summary>
    public long Planned => Sent + Dropped;
    public double RequestsPerSecond => Seconds > 0 ? Answered / Seconds : 0;

    public static RunFigures From(LoadRecorder recorder, double seconds) => new()
    {
        Latency = Outcomes.All.ToDictionary(o => o, recorder.Total),
        AllLatency = recorder.Total(),
        ErrorCodes = recorder.ErrorCodes.OrderByDescending(e => e.Value).ToDictionary(e => e.Key, e => e.Value),
        Buckets = recorder.Buckets,
        Sent = recorder.Sent,
        Dropped = recorder.Dropped,
        Late = recorder.Late,
        Seconds = seconds,
    };
}
