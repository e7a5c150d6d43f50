namespace FlashSale.Load.Fairness;

/// <summary>Spearman's rank correlation: Pearson's correlation of the values' ranks, ties given their average rank.</summary>
public static class Spearman
{
    /// <summary>Null when it is undefined: fewer than three pairs, or one side all alike (everyone won, say).</summary>
    public static double? Rho(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException("x and y must pair up", nameof(y));
        if (x.Count < 3) return null;
        var rx = Ranks(x);
        var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? null : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Ranks from 1; equal values share the mean of the ranks they span.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var index = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < index.Length;)
        {
            var end = start;
            while (end + 1 < index.Length && values[index[end + 1]] == values[index[start]]) end++;
            var rank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++) ranks[index[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    /// <summary>
    /// The pass bound for n independent pairs. Under independence every permutation of one side is equally likely, and
    /// then a rank correlation has mean 0 and variance exactly 1/(n−1), ties or not; 4/√n is about four standard
    /// deviations, so a fair shuffle crosses it about once in 15,000 runs, while an order that favoured early or late
    /// arrivals even slightly (ρ of 0.1 at n = 2,000) crosses it.
    /// </summary>
    public static double Bound(int n) => 4 / Math.Sqrt(n);
}
