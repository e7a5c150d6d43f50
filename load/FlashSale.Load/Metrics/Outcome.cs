namespace FlashSale.Load.Metrics;

/// <summary>How the service answered one claim request.</summary>
public enum Outcome
{
    /// <summary>202: a new claim took stock.</summary>
    Admitted,
    /// <summary>200: the same user again (retry, double click); the same claim, no stock taken.</summary>
    Replay,
    /// <summary>409 sold_out.</summary>
    SoldOut,
    /// <summary>409 sale_not_started: a buyer early for the opening (<c>--starts-in</c>), who refreshes until T0.</summary>
    NotStarted,
    /// <summary>Anything else: other problems, 5xx, timeouts, refused connections.</summary>
    Error,
}

public static class Outcomes
{
    public static readonly Outcome[] All = [Outcome.Admitted, Outcome.Replay, Outcome.SoldOut, Outcome.NotStarted, Outcome.Error];

    public static string Name(this Outcome outcome) => outcome switch
    {
        Outcome.Admitted => "admitted",
        Outcome.Replay => "replay",
        Outcome.SoldOut => "sold_out",
        Outcome.NotStarted => "not_started",
        _ => "error",
    };

    public static Outcome? Parse(string name) => name switch
    {
        "admitted" => Outcome.Admitted,
        "replay" => Outcome.Replay,
        "sold_out" or "sold-out" => Outcome.SoldOut,
        "not_started" or "not-started" => Outcome.NotStarted,
        "error" or "errors" => Outcome.Error,
        _ => null,
    };
}
