using FlashSale.Load.Cli;

namespace FlashSale.Load.Traffic;

/// <summary>Who buyer number N is: a user id unique to this run, and the card they pay with.</summary>
/// With a <see cref="UserFeed"/> (<c>--users-file</c>) buyer N is its row N, and pays with the row's card if it names one.
public sealed class Buyers(LoadOptions options, string runTag, UserFeed? feed = null)
{
    public const string GoodCard = "pm_card_visa";
    public const string DecliningCard = "pm_card_chargeDeclined";

    public string UserId(int n) => feed is null ? $"rh-{runTag}-{n}" : feed.UserId(n);

    /// <summary>Deterministic for a seed, so a rerun declines the same buyers.</summary>
    public string PaymentMethod(int n) => feed?.PaymentMethod(n) ?? (Unit(options.Seed, n) < options.DeclineShare ? DecliningCard : GoodCard);

    /// <summary>
    /// <c>--sales</c>: the sales buyer N claims on, by index: N mod the count, then the next ones, <c>--sales-per-buyer</c>
    /// in all, so every sale gets as many buyers.
    /// </summary>
    public IEnumerable<int> SalesOf(int n, int sales) => Enumerable.Range(0, Math.Min(options.SalesPerBuyer, sales)).Select(k => (n % sales + k) % sales);

    /// <summary>Hold checkout: whether buyer N walks away from a unit they won (a draw independent of their card's).</summary>
    public bool Abandons(int n) => Unit(options.Seed ^ 0x5EED, n) < options.AbandonShare;

    // SplitMix64 of (seed, n) mapped to [0, 1).
    private static double Unit(int seed, int n)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)n) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
