using System.Globalization;

namespace FlashSale.Load.Service;

/// <summary>One sample of the Prometheus text exposition format: <c>name{label="value",...} 12.5</c>.</summary>
public sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the text format the service's <c>/metrics</c> serves (prometheus-net). Only what the report needs: samples
/// with their labels; comments, timestamps and exemplars are skipped.
/// </summary>
public static class PrometheusText
{
    public static List<PromSample> Parse(string text)
    {
        var samples = new List<PromSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var hash = line.IndexOf(" # ", StringComparison.Ordinal); // an exemplar
            if (hash > 0) line = line[..hash];
            var brace = line.IndexOf('{');
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name, rest;
            if (brace > 0)
            {
                var close = line.LastIndexOf('}');
                name = line[..brace];
                ParseLabels(line[(brace + 1)..close], labels);
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                var space = line.IndexOf(' ');
                if (space < 0) continue;
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }
            var value = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (value is null) continue;
            var parsed = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (double?)null,
            };
            if (parsed is { } v) samples.Add(new PromSample(name, labels, v));
        }
        return samples;
    }

    private static void ParseLabels(string text, Dictionary<string, string> labels)
    {
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            if (eq < 0) return;
            var key = text[i..eq].Trim().TrimStart(',').Trim();
            var j = eq + 2; // past ="
            var value = new System.Text.StringBuilder();
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length) j++;
                value.Append(text[j]);
            }
            labels[key] = value.ToString();
            i = j + 1;
        }
    }

    /// <summary>
    /// A percentile from the increase of a cumulative histogram's buckets between two scrapes (what Prometheus's
    /// histogram_quantile does over a rate): linear within the bucket it falls in. Null when nothing was observed.
    /// </summary>
    public static double? Quantile(double q, IReadOnlyList<(double Le, double Count)> before, IReadOnlyList<(double Le, double Count)> after)
    {
        var delta = after.Select(b => (b.Le, Count: b.Count - before.FirstOrDefault(x => x.Le == b.Le).Count)).OrderBy(b => b.Le).ToList();
        if (delta.Count == 0 || delta[^1].Count <= 0) return null;
        var rank = q * delta[^1].Count;
        var (lowerLe, lowerCount) = (0.0, 0.0);
        foreach (var (le, count) in delta)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(le)) return lowerLe;
                return lowerLe + (le - lowerLe) * (count - lowerCount == 0 ? 0 : (rank - lowerCount) / (count - lowerCount));
            }
            (lowerLe, lowerCount) = (le, count);
        }
        return lowerLe;
    }
}
