using FlashSale.Load.Metrics;

namespace FlashSale.Load.Live;

/// <summary>What the live view shows at one moment.</summary>
public sealed record ProgressSnapshot(
    double ElapsedSeconds, double RequestsPerSecond, IReadOnlyDictionary<Outcome, long> Counts, double P50Ms, double P99Ms,
    long? StockRemaining, int Stock, long InFlight, long Dropped, long Late, string Phase, long? Paid);
