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
    /// <summary>Seconds from the start to the last 202 answer.</summary>
    public double? LastAdmittedAtSeconds { get; init; }
    /// <summary>Each winner's first click to the poll that saw the claim paid (<c>--poll-claim</c>); set once they are done.</summary>
    public HistogramBase? ClickToPaid { get; set; }

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
        LastAdmittedAtSeconds = recorder.LastAdmittedAtSeconds,
    };

    /// <summary>The same figures with the buckets sampled since (the settle phase).</summary>
    public RunFigures WithBuckets(IReadOnlyList<Bucket> buckets) => new()
    {
        Latency = Latency, AllLatency = AllLatency, ErrorCodes = ErrorCodes, Buckets = buckets, Sent = Sent, Dropped = Dropped,
        Late = Late, Seconds = Seconds, LastAdmittedAtSeconds = LastAdmittedAtSeconds, ClickToPaid = ClickToPaid,
    };

    /// <summary>
    /// Seconds from the start until the sale's counts first showed every admitted unit settled (no units in
    /// flight) after the last 202 answer; null if never seen in the samples.
    /// </summary>
    public double? AllSettledAtSeconds => LastAdmittedAtSeconds is { } last
        ? Buckets.FirstOrDefault(b => b.AtSeconds >= last && b.UnitsInFlight == 0)?.AtSeconds
        : null;

    /// <summary>
    /// Best paid units per second over any 5 s of samples (fewer if the run had fewer; the admin counts), and the mean from the first paid
    /// unit to the moment everything settled: how fast the worker turns admissions into payments.
    /// </summary>
    public (double Peak, double Mean) PaidPerSecond
    {
        get
        {
            var paid = Buckets.Where(b => b.Paid is not null).ToList();
            // 5 s of samples, or all there are when the run settled sooner.
            var window = Math.Max(1, Math.Min(10, paid.Count - 1));
            var peak = paid.Zip(paid.Skip(window)).Where(p => p.Second.AtSeconds > p.First.AtSeconds)
                .Select(p => (p.Second.Paid!.Value - p.First.Paid!.Value) / (p.Second.AtSeconds - p.First.AtSeconds)).DefaultIfEmpty(0).Max();
            var first = paid.FirstOrDefault(b => b.Paid > 0);
            var end = AllSettledAtSeconds is { } settled ? paid.FirstOrDefault(b => b.AtSeconds >= settled) : paid.LastOrDefault();
            var mean = first is null || end is null || end.AtSeconds <= first.AtSeconds ? 0
                : (end.Paid!.Value - first.Paid!.Value) / (end.AtSeconds - first.AtSeconds);
            return (peak, mean);
        }
    }
}
