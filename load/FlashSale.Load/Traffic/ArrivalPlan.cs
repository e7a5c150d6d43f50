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
    /// <param name="t0Seconds">The opening (<c>--starts-in</c>): how far from now the sale starts; the crowd gathers around it.</param>
    public static Arrival[] Build(LoadOptions o, Random random, double? t0Seconds = null) => o.Scenario switch
    {
        Scenario.FlashCrowd when t0Seconds is { } t0 => Opening(o, random, t0),
        Scenario.FlashCrowd => FlashCrowd(o, random),
        Scenario.Steady => AtRates(o.Duration, [o.Rate]),
        Scenario.Stages => Staged(o.Stages),
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

    /// <summary>
    /// A crowd at an opening, as real ones come: a share early (within the 10 s before T0, who refresh until it), the
    /// rest after T0 with arrivals falling off exponentially over the arrival window, so the peak is in its first seconds.
    /// </summary>
    private static Arrival[] Opening(LoadOptions o, Random random, double t0)
    {
        var window = o.ArrivalWindow.TotalSeconds;
        var early = Math.Min(10, t0);
        var arrivals = new Arrival[o.Users];
        for (var i = 0; i < arrivals.Length; i++)
        {
            double at;
            if (random.NextDouble() < o.EarlyShare) at = t0 - early * random.NextDouble();
            else
            {
                // Mean a quarter of the window; a draw past it is drawn again, so every buyer arrives within it.
                do at = -Math.Log(1 - random.NextDouble()) * window / 4; while (at > window);
                at += t0;
            }
            arrivals[i] = new Arrival(at, i, random.NextDouble() < o.DoubleClickShare);
        }
        Array.Sort(arrivals, (a, b) => a.AtSeconds.CompareTo(b.AtSeconds));
        return arrivals;
    }

    /// <summary>
    /// k6's ramping arrival rate: from 0, the rate moves linearly to each stage's target over its duration; an arrival
    /// falls wherever the rate's running integral passes the next whole buyer.
    /// </summary>
    public static Arrival[] Staged(IReadOnlyList<Stage> stages)
    {
        const double step = 0.0005;
        var arrivals = new List<Arrival>();
        double t = 0, from = 0, owed = 0;
        foreach (var stage in stages)
        {
            var length = stage.Duration.TotalSeconds;
            for (var x = 0.0; x < length; x += step)
            {
                owed += (from + (stage.Target - from) * (x + step / 2) / length) * step;
                for (; owed >= 1; owed--) arrivals.Add(new Arrival(t + x, arrivals.Count, false));
            }
            t += length;
            from = stage.Target;
        }
        return arrivals.ToArray();
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
