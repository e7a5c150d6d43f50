using System.Diagnostics;
using HdrHistogram;

namespace FlashSale.Load.Metrics;

/// <summary>
/// The first seconds after a sale's T0 in 100 ms buckets, by when each answer arrived: how many were admitted or
/// refused, and how long they took (from the request's intended start). What a crowd meets at the opening is what a
/// 0.5 s timeline averages away.
/// </summary>
public sealed class OpeningRecorder(long t0Timestamp, int buckets = 100, double bucketMs = 100)
{
    private readonly long[,] _counts = new long[buckets, Outcomes.All.Length];
    private readonly LongHistogram[] _latency = Enumerable.Range(0, buckets).Select(_ => new LongHistogram(1, LoadRecorder.HighestMicros, 3)).ToArray();

    public long T0Timestamp => t0Timestamp;

    public void Record(Outcome outcome, long intendedStart, long answeredAt)
    {
        var sinceT0 = answeredAt >= t0Timestamp ? Stopwatch.GetElapsedTime(t0Timestamp, answeredAt).TotalMilliseconds
            : -Stopwatch.GetElapsedTime(answeredAt, t0Timestamp).TotalMilliseconds;
        // The pool holds startsAt in whole milliseconds and the service's clock is not the tool's: an answer of the open
        // sale a moment before the tool's T0 belongs to the opening's first bucket, not to the minutes before it.
        if (outcome != Outcome.NotStarted && sinceT0 is < 0 and > -100) sinceT0 = 0;
        if (sinceT0 < 0 || sinceT0 >= buckets * bucketMs) return;
        var i = (int)(sinceT0 / bucketMs);
        Interlocked.Increment(ref _counts[i, (int)outcome]);
        var micros = Math.Clamp((long)Stopwatch.GetElapsedTime(intendedStart, answeredAt).TotalMicroseconds, 1, LoadRecorder.HighestMicros);
        lock (_latency[i]) _latency[i].RecordValue(micros);
    }

    /// <summary>An agent's buckets with answers, for its coordinator to add to its own (<see cref="Add"/>).</summary>
    public IEnumerable<(int Index, long[] Counts, HistogramBase Latency)> Parts()
    {
        for (var i = 0; i < buckets; i++)
        {
            var counts = Outcomes.All.Select(o => Interlocked.Read(ref _counts[i, (int)o])).ToArray();
            if (counts.Sum() == 0) continue;
            HistogramBase h;
            lock (_latency[i]) h = _latency[i].Copy();
            yield return (i, counts, h);
        }
    }

    /// <summary>A coordinator: an agent's answers in bucket <paramref name="index"/>, counted relative to the same T0.</summary>
    public void Add(int index, IReadOnlyList<long> counts, HistogramBase latency)
    {
        if (index < 0 || index >= buckets) return;
        for (var o = 0; o < Outcomes.All.Length && o < counts.Count; o++) Interlocked.Add(ref _counts[index, o], counts[o]);
        lock (_latency[index]) _latency[index].Add(latency);
    }

    public IReadOnlyList<OpeningBucket> Buckets() => Enumerable.Range(0, buckets).Select(i =>
    {
        HistogramBase h;
        lock (_latency[i]) h = _latency[i].Copy();
        var counts = Outcomes.All.Select(o => Interlocked.Read(ref _counts[i, (int)o])).ToArray();
        return new OpeningBucket(i * bucketMs, counts[(int)Outcome.Admitted], counts[(int)Outcome.Replay], counts[(int)Outcome.SoldOut],
            counts[(int)Outcome.NotStarted], counts[(int)Outcome.Error], LoadRecorder.Ms(h, 50), LoadRecorder.Ms(h, 99),
            h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0);
    }).ToList();
}

/// <summary>Answers that arrived from <see cref="FromMs"/> to 100 ms later, T0 being 0; refusals are sold_out, not_started and errors.</summary>
public sealed record OpeningBucket(double FromMs, long Admitted, long Replay, long SoldOut, long NotStarted, long Error, double P50Ms, double P99Ms, double MaxMs)
{
    public long Refused => SoldOut + NotStarted + Error;
}
