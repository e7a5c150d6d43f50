using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace FlashSale.Load.Metrics;

/// <summary>
/// Latencies per outcome in HdrHistograms (microseconds, 3 significant digits), recorded from many
/// threads without locks through HdrHistogram's <see cref="Recorder"/>; one reader turns them into
/// per-interval buckets and run totals.
/// </summary>
public sealed class LoadRecorder
{
    public const long HighestMicros = 3_600_000_000; // an hour: nothing a request does takes longer

    private readonly Recorder[] _recorders = Outcomes.All.Select(_ => NewRecorder()).ToArray();
    private readonly LongHistogram[] _totals = Outcomes.All.Select(_ => NewHistogram()).ToArray();
    private readonly long[] _counts = new long[Outcomes.All.Length];
    private readonly List<Bucket> _buckets = [];
    private readonly object _sampling = new();
    private long _lastSample;
    private long _dropped, _late, _sent, _lastAdmitted;

    public LoadRecorder() => Started = _lastSample = Stopwatch.GetTimestamp();

    /// <summary>The timestamp intended starts are measured from.</summary>
    public long Started { get; private set; }

    public ConcurrentDictionary<string, long> ErrorCodes { get; } = new(StringComparer.Ordinal);

    /// <summary>An agent's view of each closed interval, per outcome, before it joins the totals (what it streams to its coordinator).</summary>
    public Action<Outcome, HistogramBase>? IntervalTap { get; set; }

    private readonly ConcurrentQueue<(Outcome Outcome, HistogramBase Part)> _merged = new();

    /// <summary>A coordinator: an agent's interval of one outcome, to join the next sample as if recorded here.</summary>
    public void AddInterval(Outcome outcome, HistogramBase part)
    {
        Interlocked.Add(ref _counts[(int)outcome], part.TotalCount);
        if (outcome == Outcome.Admitted && part.TotalCount > 0) Interlocked.Exchange(ref _lastAdmitted, Stopwatch.GetTimestamp());
        _merged.Enqueue((outcome, part));
    }

    /// <summary>A coordinator: an agent's request counters once its share of the crowd is done.</summary>
    public void AddCounters(long sent, long dropped, long late, IReadOnlyDictionary<string, long> errorCodes)
    {
        Interlocked.Add(ref _sent, sent);
        Interlocked.Add(ref _dropped, dropped);
        Interlocked.Add(ref _late, late);
        foreach (var (code, n) in errorCodes) ErrorCodes.AddOrUpdate(code, n, (_, m) => m + n);
    }

    public long Dropped => Interlocked.Read(ref _dropped);
    public long Late => Interlocked.Read(ref _late);
    public long Sent => Interlocked.Read(ref _sent);
    public long Count(Outcome outcome) => Interlocked.Read(ref _counts[(int)outcome]);
    public long Answered => Outcomes.All.Sum(Count);

    /// <summary>Seconds from the start to the last 202 answer; null before the first.</summary>
    public double? LastAdmittedAtSeconds => Interlocked.Read(ref _lastAdmitted) is var t and > 0 ? Stopwatch.GetElapsedTime(Started, t).TotalSeconds : null;

    public void Restart() => Started = _lastSample = Stopwatch.GetTimestamp();

    public void MarkSent() => Interlocked.Increment(ref _sent);
    public void MarkDropped() => Interlocked.Increment(ref _dropped);
    public void MarkLate() => Interlocked.Increment(ref _late);

    /// <param name="intendedStart">When the request should have started (open model), or was sent (closed model).</param>
    public void Record(Outcome outcome, long intendedStart, string? errorCode = null)
    {
        var micros = (long)Stopwatch.GetElapsedTime(intendedStart).TotalMicroseconds;
        _recorders[(int)outcome].RecordValue(Math.Clamp(micros, 1, HighestMicros));
        Interlocked.Increment(ref _counts[(int)outcome]);
        if (outcome == Outcome.Admitted) Interlocked.Exchange(ref _lastAdmitted, Stopwatch.GetTimestamp());
        if (outcome == Outcome.Error) ErrorCodes.AddOrUpdate(errorCode ?? "unknown", 1, (_, n) => n + 1);
    }

    /// <summary>Closes the current interval: its counts and latencies become a bucket and join the totals.</summary>
    public Bucket Sample(long admittedSoFar, long? stockRemaining, long? paid = null, long? unitsInFlight = null)
    {
        lock (_sampling)
        {
            var now = Stopwatch.GetTimestamp();
            var interval = NewHistogram();
            var counts = new long[Outcomes.All.Length];
            foreach (var outcome in Outcomes.All)
            {
                var part = _recorders[(int)outcome].GetIntervalHistogram();
                IntervalTap?.Invoke(outcome, part);
                counts[(int)outcome] = part.TotalCount;
                interval.Add(part);
                _totals[(int)outcome].Add(part);
            }
            while (_merged.TryDequeue(out var m))
            {
                counts[(int)m.Outcome] += m.Part.TotalCount;
                interval.Add(m.Part);
                _totals[(int)m.Outcome].Add(m.Part);
            }
            var bucket = new Bucket(
                Stopwatch.GetElapsedTime(Started, now).TotalSeconds, Stopwatch.GetElapsedTime(_lastSample, now).TotalSeconds, counts,
                Ms(interval, 50), Ms(interval, 99), interval.TotalCount == 0 ? 0 : interval.GetMaxValue() / 1000.0,
                admittedSoFar, stockRemaining, paid, unitsInFlight);
            _lastSample = now;
            _buckets.Add(bucket);
            return bucket;
        }
    }

    public IReadOnlyList<Bucket> Buckets
    {
        get { lock (_sampling) return _buckets.ToArray(); }
    }

    /// <summary>The latencies of one outcome so far (sampled intervals only).</summary>
    public HistogramBase Total(Outcome outcome)
    {
        lock (_sampling) return _totals[(int)outcome].Copy();
    }

    /// <summary>Every answered request's latency so far (sampled intervals only).</summary>
    public HistogramBase Total()
    {
        lock (_sampling)
        {
            var all = NewHistogram();
            foreach (var h in _totals) all.Add(h);
            return all;
        }
    }

    public static double Ms(HistogramBase h, double percentile) =>
        h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(percentile) / 1000.0;

    private static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    private static Recorder NewRecorder() => new(1, HighestMicros, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));
}
