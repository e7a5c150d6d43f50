using System.Diagnostics;
using HdrHistogram;

namespace FlashSale.Load.Metrics;

/// <summary>
/// The tool watching itself, so a verdict never blames the service for the generator's limit: how far behind its plan
/// each request was sent (send lag: the scheduler or the thread pool could not keep up), and its own CPU. Dropped
/// requests are reported beside them but prove nothing alone: too many outstanding means a slow service as often as a
/// slow generator.
/// </summary>
public sealed class GeneratorWatch
{
    private readonly LongHistogram _lag = new(1, LoadRecorder.HighestMicros, 3);
    private readonly object _gate = new();
    private readonly TimeSpan _startCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _started = Stopwatch.GetTimestamp();
    private TimeSpan _lastCpu;
    private long _lastSample;
    private double _peakCpuShare;

    public GeneratorWatch(TimeSpan maxSendLag, double maxCpuShare)
    {
        (MaxSendLag, MaxCpuShare) = (maxSendLag, maxCpuShare);
        (_lastCpu, _lastSample) = (_startCpu, _started);
    }

    public TimeSpan MaxSendLag { get; }
    public double MaxCpuShare { get; }

    /// <summary>One send, <paramref name="lagTicks"/> (Stopwatch ticks) after its planned moment; called by the one scheduler thread.</summary>
    public void Sent(long lagTicks)
    {
        var micros = Math.Clamp(lagTicks * 1_000_000 / Stopwatch.Frequency, 1, LoadRecorder.HighestMicros);
        lock (_gate) _lag.RecordValue(micros);
    }

    /// <summary>The tool's CPU since the last sample, as a share of every core of the machine (1 = all of them).</summary>
    public double SampleCpu()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var now = Stopwatch.GetTimestamp();
        double share;
        lock (_gate)
        {
            var wall = Stopwatch.GetElapsedTime(_lastSample, now).TotalSeconds;
            share = wall <= 0 ? 0 : (cpu - _lastCpu).TotalSeconds / wall / Environment.ProcessorCount;
            (_lastCpu, _lastSample) = (cpu, now);
            // Shorter intervals than a scheduler tick say nothing of a trend.
            if (wall >= 0.25) _peakCpuShare = Math.Max(_peakCpuShare, share);
        }
        return share;
    }

    public GeneratorFigures Figures(long sent, long dropped, long late)
    {
        SampleCpu();
        lock (_gate)
        {
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - _startCpu).TotalSeconds;
            var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            var lagP99 = LoadRecorder.Ms(_lag, 99);
            var reasons = new List<string>();
            if (_lag.TotalCount > 0 && lagP99 > MaxSendLag.TotalMilliseconds)
                reasons.Add($"send lag p99 {lagP99:0.#} ms > {MaxSendLag.TotalMilliseconds:0} ms: requests left later than planned");
            if (_peakCpuShare >= MaxCpuShare)
                reasons.Add($"its CPU reached {_peakCpuShare:P0} of the machine's {Environment.ProcessorCount} cores (limit {MaxCpuShare:P0})");
            return new GeneratorFigures(reasons.Count > 0, reasons, LoadRecorder.Ms(_lag, 50), lagP99,
                _lag.TotalCount == 0 ? 0 : _lag.GetMaxValue() / 1000.0, cpuSeconds, wall <= 0 ? 0 : cpuSeconds / wall / Environment.ProcessorCount,
                _peakCpuShare, sent == 0 ? 0 : cpuSeconds * 1e6 / sent, Environment.ProcessorCount, sent, dropped, late);
        }
    }
}

/// <param name="Saturated">The generator, not the service, may have been the limit (see <paramref name="Reasons"/>).</param>
/// <param name="CpuShare">Mean CPU over the run as a share of all cores; <paramref name="PeakCpuShare"/> the busiest 0.5 s.</param>
/// <param name="CpuMicrosPerRequest">CPU time (user + system) of the whole tool per request sent, setup and audit included.</param>
public sealed record GeneratorFigures(
    bool Saturated, IReadOnlyList<string> Reasons, double SendLagP50Ms, double SendLagP99Ms, double SendLagMaxMs, double CpuSeconds,
    double CpuShare, double PeakCpuShare, double CpuMicrosPerRequest, int Cores, long Sent, long Dropped, long Late);
