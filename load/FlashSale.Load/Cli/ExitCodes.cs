namespace FlashSale.Load.Cli;

/// <summary>
/// What the process exit code says. Invariant failures outrank threshold failures (a fast wrong sale is
/// worse than a slow right one); among invariants the lowest contract number wins. Every failure found is
/// listed in the report and on the console whatever the code.
/// </summary>
public static class ExitCodes
{
    public const int Passed = 0;
    /// <summary>The tool itself failed unexpectedly (a bug, or the target died mid-run).</summary>
    public const int Crashed = 1;
    /// <summary>Bad flags or threshold file.</summary>
    public const int Usage = 2;
    /// <summary>The sale could not be created, preloaded or found (service down, wrong keys, bad sale id).</summary>
    public const int SetupFailed = 3;
    /// <summary><c>verify</c>: the seed is not revealed yet (before the sale's start), so nothing can be checked.</summary>
    public const int NotRevealed = 4;
    /// <summary>At least one threshold (latency, error share, dropped requests, throughput) was missed.</summary>
    public const int ThresholdMissed = 10;
    /// <summary>
    /// The generator was the bottleneck (send lag or its own CPU past the limit) and no invariant broke: the figures
    /// measure the tool as much as the service. Outranks a missed threshold, which it may have caused.
    /// </summary>
    public const int GeneratorSaturated = 11;

    // 20 + the invariant's number in CONTRACT.md.
    public const int Oversold = 21;
    public const int DuplicateClaim = 22;
    public const int ClaimLost = 23;
    public const int StockNotConserved = 24;
    public const int PaymentsInconsistent = 25;
    /// <summary>Invariant 7: the order is not the published shuffle, or its first tickets did not win (<c>verify</c> too).</summary>
    public const int FairnessBroken = 27;

    public static readonly IReadOnlyList<(int Code, string Meaning)> All =
    [
        (Passed, "every threshold and every invariant holds"),
        (Crashed, "the tool failed unexpectedly"),
        (Usage, "bad command line or threshold file"),
        (SetupFailed, "could not create, preload or read the sale"),
        (NotRevealed, "verify: the seed is not revealed yet (the sale has not started)"),
        (ThresholdMissed, "a threshold was missed (and no invariant broke)"),
        (GeneratorSaturated, "the generator was the bottleneck (send lag or its CPU past the limit), so the figures are the tool's; no invariant broke"),
        (Oversold, "invariant 1 broken: more units admitted or paid than the stock"),
        (DuplicateClaim, "invariant 2 broken: a user holds more than one claim"),
        (ClaimLost, "invariant 3 broken: a 202 claim did not reach a terminal status within the settle time"),
        (StockNotConserved, "invariant 4 broken: remaining + paid + in flight != stock, or Redis and PostgreSQL disagree"),
        (PaymentsInconsistent, "invariant 5 broken: paid count, charges and claim outcomes disagree"),
        (FairnessBroken, "invariant 7 broken: the order is not the shuffle the seed gives, or not its first tickets won (waiting room, verify)"),
    ];
}
