using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace FlashSale.Load.Metrics;

/// <summary>
/// The waiting room's requests, joins and polls, each in a histogram of its own (microseconds, from the moment the
/// buyer meant to send it) with a count per second of the run, so the report gives the rates reached, not only means.
/// </summary>
public sealed class QueueRecorder(long started)
{
    private readonly Recorder _joins = NewRecorder();
    private readonly Recorder _polls = NewRecorder();
    private readonly LongHistogram _joinTotal = NewHistogram();
    private readonly LongHistogram _pollTotal = NewHistogram();
    private readonly ConcurrentDictionary<int, long> _joinsPerSecond = new();
    private readonly ConcurrentDictionary<int, long> _pollsPerSecond = new();
    private readonly object _gate = new();
    private long _firstJoin = long.MaxValue, _lastJoin, _joinErrors, _pollErrors, _joinsLate;

    public ConcurrentDictionary<string, long> ErrorCodes { get; } = new(StringComparer.Ordinal);

    public void Join(long intended, string? errorCode)
    {
        var now = Stopwatch.GetTimestamp();
        Record(_joins, _joinsPerSecond, intended, now, errorCode, ref _joinErrors);
        InterlockedMin(ref _firstJoin, intended);
        InterlockedMax(ref _lastJoin, now);
    }

    /// <summary>A join sent later than <c>--late-after</c> behind its plan (its latency still counts from the plan).</summary>
    public void MarkJoinLate() => Interlocked.Increment(ref _joinsLate);

    public void Poll(long intended, string? errorCode) => Record(_polls, _pollsPerSecond, intended, Stopwatch.GetTimestamp(), errorCode, ref _pollErrors);

    private void Record(Recorder recorder, ConcurrentDictionary<int, long> perSecond, long intended, long now, string? errorCode, ref long errors)
    {
        recorder.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(intended, now).TotalMicroseconds, 1, LoadRecorder.HighestMicros));
        perSecond.AddOrUpdate((int)Stopwatch.GetElapsedTime(started, now).TotalSeconds, 1, (_, n) => n + 1);
        if (errorCode is null) return;
        Interlocked.Increment(ref errors);
        ErrorCodes.AddOrUpdate(errorCode, 1, (_, n) => n + 1);
    }

    public long Polls => _pollsPerSecond.Values.Sum();

    public QueueFigures Figures()
    {
        lock (_gate)
        {
            _joinTotal.Add(_joins.GetIntervalHistogram());
            _pollTotal.Add(_polls.GetIntervalHistogram());
            var first = Interlocked.Read(ref _firstJoin);
            var last = Interlocked.Read(ref _lastJoin);
            return new QueueFigures(
                _joinTotal.Copy(), _pollTotal.Copy(), Interlocked.Read(ref _joinErrors), Interlocked.Read(ref _pollErrors),
                first < last ? Stopwatch.GetElapsedTime(first, last).TotalSeconds : 0,
                _joinsPerSecond.Values.DefaultIfEmpty(0).Max(), _pollsPerSecond.Values.DefaultIfEmpty(0).Max(),
                _pollsPerSecond.Count == 0 ? 0 : _pollsPerSecond.Keys.Max() - _pollsPerSecond.Keys.Min() + 1,
                ErrorCodes.OrderByDescending(e => e.Value).ToDictionary(e => e.Key, e => e.Value), Interlocked.Read(ref _joinsLate));
        }
    }

    private static void InterlockedMin(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value < seen; seen = Interlocked.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    private static LongHistogram NewHistogram() => new(1, LoadRecorder.HighestMicros, 3);

    private static Recorder NewRecorder() => new(1, LoadRecorder.HighestMicros, 3, (id, low, high, digits) => new LongHistogram(id, low, high, digits));
}

/// <summary>The waiting room's traffic, summed up for the report.</summary>
/// <param name="JoinSeconds">From the first join's planned start to the last join's answer.</param>
/// <param name="PeakJoinsPerSecond">Answers in the busiest whole second of the run (a join or a poll that failed counts too).</param>
/// <param name="PollSeconds">Whole seconds from the first poll answered to the last.</param>
public sealed record QueueFigures(
    HistogramBase Joins, HistogramBase Polls, long JoinErrors, long PollErrors, double JoinSeconds,
    long PeakJoinsPerSecond, long PeakPollsPerSecond, int PollSeconds, IReadOnlyDictionary<string, long> ErrorCodes, long JoinsLate)
{
    public double JoinsPerSecond => JoinSeconds > 0 ? Joins.TotalCount / JoinSeconds : 0;
    public double PollsPerSecond => PollSeconds > 0 ? (double)Polls.TotalCount / PollSeconds : 0;
}
