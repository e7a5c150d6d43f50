using System.Diagnostics;
using System.Runtime.CompilerServices;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Verdict;

/// <summary>
/// Thresholds marked <c>:abort</c>, checked on the figures so far at every sample of the traffic once a grace second
/// has passed (a first answer alone says little); the first miss stops the crowd, as k6's abortOnFail does.
/// </summary>
public sealed class AbortCheck(IReadOnlyList<Threshold> thresholds, LoadRecorder recorder, Stopwatch clock, CancellationTokenSource stop, StrongBox<string?> why)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    /// <summary>Why the crowd was stopped, the first time a threshold fails; null otherwise.</summary>
    public string? Check()
    {
        if (thresholds.Count == 0 || stop.IsCancellationRequested || clock.Elapsed < Grace) return null;
        var figures = RunFigures.From(recorder, clock.Elapsed.TotalSeconds);
        foreach (var t in thresholds)
        {
            var measured = t.Measure(figures);
            if (t.Holds(measured)) continue;
            why.Value ??= $"aborted {clock.Elapsed.TotalSeconds:0.0} s into the traffic: threshold {t.Text} missed ({t.Format(measured)})";
            stop.Cancel();
            return why.Value;
        }
        return null;
    }
}
