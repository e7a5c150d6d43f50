using FlashSale.Load.Fairness;
using FlashSale.Load.Metrics;
using FlashSale.Load.Verdict;

namespace FlashSale.Load;

/// <summary>The outcome of one rehearsal: the exit code and why, and where the reports are.</summary>
public sealed record RehearsalResult(
    int ExitCode, string Verdict, string? SaleId, RunFigures? Figures, AuditReport? Audit,
    IReadOnlyList<ThresholdResult> Thresholds, string? MarkdownPath, string? HtmlPath)
{
    /// <summary>A waiting-room rehearsal: its joins and polls, and the fairness audit.</summary>
    public QueueFigures? Queue { get; init; }
    public FairnessReport? Fairness { get; init; }
    /// <summary>The tool's watch on itself: send lag, CPU, and whether it was the bottleneck.</summary>
    public GeneratorFigures? Generator { get; init; }
    /// <summary><c>--agents</c>: each agent's share and the check of the merge.</summary>
    public Agents.AgentsReport? Agents { get; init; }
    /// <summary>Why the crowd stopped before its plan ended (Ctrl-C, a threshold with <c>:abort</c>); null when it did not.</summary>
    public string? StoppedEarly { get; init; }
    /// <summary><c>--sales</c>: each sale's answers, counts and audit; null on one sale.</summary>
    public IReadOnlyList<Reports.SaleFigures>? Sales { get; init; }

    public static RehearsalResult Failed(int exitCode, string why) => new(exitCode, why, null, null, null, [], null, null);
}
