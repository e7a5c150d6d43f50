namespace FlashSale.Load.Metrics;

/// <summary>One interval of the run, for the live view and the charts over time.</summary>
public sealed record Bucket(
    double AtSeconds, double IntervalSeconds, long[] Counts, double P50Ms, double P99Ms, double MaxMs,
    long AdmittedSoFar, long? StockRemaining, long? Paid = null, long? UnitsInFlight = null)
{
    public long Total => Counts.Sum();
    public double RequestsPerSecond => IntervalSeconds > 0 ? Total / IntervalSeconds : 0;
}
