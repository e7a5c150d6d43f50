using System.Diagnostics;
using HdrHistogram;

namespace FlashSale.Load.Metrics;

/// <summary>
/// One sale's answers when a run targets several: counts by outcome and every answer's latency (from its intended start),
/// beside the run's own <see cref="LoadRecorder"/>, which sums all of them.
/// </summary>
public sealed class SaleTally
{
    private readonly long[] _counts = new long[Outcomes.All.Length];
    private readonly LongHistogram _latency = new(1, LoadRecorder.HighestMicros, 3);

    public void Record(Outcome outcome, long intendedStart)
    {
        Interlocked.Increment(ref _counts[(int)outcome]);
        var micros = Math.Clamp((long)Stopwatch.GetElapsedTime(intendedStart).TotalMicroseconds, 1, LoadRecorder.HighestMicros);
        lock (_latency) _latency.RecordValue(micros);
    }

    /// <summary>A coordinator: an agent's answers on this sale.</summary>
    public void Add(IReadOnlyList<long> counts, HistogramBase latency)
    {
        for (var o = 0; o < _counts.Length && o < counts.Count; o++) Interlocked.Add(ref _counts[o], counts[o]);
        lock (_latency) _latency.Add(latency);
    }

    public long Count(Outcome outcome) => Interlocked.Read(ref _counts[(int)outcome]);

    public long[] Counts() => Outcomes.All.Select(Count).ToArray();

    public HistogramBase Latency()
    {
        lock (_latency) return _latency.Copy();
    }
}
