using FlashSale.Load.Cli;

namespace FlashSale.Load.Traffic;

/// <summary>One buyer's first click: when it is due, relative to the start, and whether they click twice.</summary>
public readonly record struct Arrival(double AtSeconds, int User, bool DoubleClick);

/// <summary>
/// When each request of an open-model run is due. The plan is fixed before the first request, so how fast
/// the service answers can never slow the arrivals down (what hides latency in a closed loop).
/// </summary>
public static class ArrivalPlan
{
    public static Arrival[] Build(LoadOptions o, Random random) => o.Scenario switch
    {
        Scenario.FlashCrowd => FlashCrowd(o, random),
        Scenario.Steady => AtRates(o.Duration, [o.Rate]),
        _ => AtRates(o.Duration, RampRates(o)),
    };

    /// <summary>Every buyer arrives once, at a random moment within the arrival window.</summary>
    private static Arrival[] FlashCrowd(LoadOptions o, Random random)
    {
        var window = o.ArrivalWindow.TotalSeconds;
        var arrivals = new Arrival[o.Users];
        for (var i = 0; i < arrivals.Length; i++)
            arrivals[i] = new Arrival(random.NextDouble() * window, i, random.NextDouble() < o.DoubleClickShare);
        Array.Sort(arrivals, (a, b) => a.AtSeconds.CompareTo(b.AtSeconds));
        return arrivals;
    }

    public static double[] RampRates(LoadOptions o)
    {
        var first = o.RateStart ?? o.Rate / 10;
        return o.Steps == 1 ? [o.Rate] : Enumerable.Range(0, o.Steps).Select(k => first + (o.Rate - first) * k / (o.Steps - 1)).ToArray();
    }

    /// <summary>Evenly spaced arrivals, a new buyer each, the duration split into equal steps of the given rates.</summary>
    private static Arrival[] AtRates(TimeSpan duration, double[] rates)
    {
        var step = duration.TotalSeconds / rates.Length;
        var arrivals = new List<Arrival>();
        for (var k = 0; k < rates.Length; k++)
        {
            var count = (int)Math.Round(rates[k] * step);
            for (var i = 0; i < count; i++) arrivals.Add(new Arrival(k * step + i / rates[k], arrivals.Count, false));
        }
        return arrivals.ToArray();
    }
}
