namespace FlashSale.Core;

/// <summary>The sale states of the contract. Only some are stored; <c>live</c> and <c>ended</c> follow from the clock.</summary>
public static class SaleStatus
{
    public const string Scheduled = "scheduled";
    public const string Preloaded = "preloaded";
    public const string Live = "live";
    public const string Paused = "paused";
    public const string Ended = "ended";
    public const string Closed = "closed";

    /// <summary>
    /// The status a caller sees. A preloaded sale is live inside its window; any sale past its end is
    /// ended until it is closed. Storing neither avoids a timer that must flip rows at the right instant.
    /// </summary>
    public static string Effective(string stored, DateTime startsAt, DateTime endsAt, DateTime now) => stored switch
    {
        Closed => Closed,
        _ when now >= endsAt => Ended,
        Preloaded when now >= startsAt => Live,
        _ => stored,
    };
}
