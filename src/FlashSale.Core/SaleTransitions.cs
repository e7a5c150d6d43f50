namespace FlashSale.Core;

/// <summary>Which admin action the sale's current (effective) status allows, and the stored status it leads to.</summary>
public static class SaleTransitions
{
    public const string Preload = "preload";
    public const string Pause = "pause";
    public const string Resume = "resume";
    public const string Close = "close";

    /// <returns>The stored status after the action, or null when the action is not allowed.</returns>
    public static string? Apply(string action, string effectiveStatus) => (action, effectiveStatus) switch
    {
        // Repeating an action that already took effect is harmless, so it answers like the first time.
        (Preload, SaleStatus.Scheduled or SaleStatus.Preloaded or SaleStatus.Live) => SaleStatus.Preloaded,
        (Pause, SaleStatus.Preloaded or SaleStatus.Live or SaleStatus.Paused) => SaleStatus.Paused,
        (Resume, SaleStatus.Paused) => SaleStatus.Preloaded,
        (Close, not SaleStatus.Closed) => SaleStatus.Closed,
        (Close, SaleStatus.Closed) => SaleStatus.Closed,
        _ => null,
    };

    /// <summary>The stored statuses from which <paramref name="action"/> may move a row (the compare-and-set guard).</summary>
    public static string[] AllowedFromStored(string action) => action switch
    {
        Preload => [SaleStatus.Scheduled, SaleStatus.Preloaded],
        Pause => [SaleStatus.Preloaded, SaleStatus.Paused],
        Resume => [SaleStatus.Paused],
        Close => [SaleStatus.Scheduled, SaleStatus.Preloaded, SaleStatus.Paused, SaleStatus.Closed],
        _ => [],
    };
}
