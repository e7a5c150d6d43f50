using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Ops;
using Prometheus;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>
/// The metric families a running service exports, for checking the series an alert or a dashboard reads.
/// A family exists when /metrics prints its <c># HELP</c> line after a sale has run. prometheus-net 8 prints
/// HELP and TYPE for every family in its registry, a labelled one nothing has observed yet included (no
/// <c>flashsale_lost_admits_total{sale}</c> sample without a failover, but its HELP line): a name the service
/// does not declare is never printed.
/// </summary>
internal sealed partial class ExportedMetrics
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    private readonly HashSet<string> _printed;
    private readonly HashSet<string> _histograms;

    private ExportedMetrics(HashSet<string> printed, HashSet<string> histograms) => (_printed, _histograms) = (printed, histograms);

    /// <summary>Runs a sale to its payment on <paramref name="app"/>, then reads what the service exports.</summary>
    public static async Task<ExportedMetrics> AfterASaleAsync(ServiceFixture app)
    {
        // A series class registers its families when first touched: Kafka's, on this host running on Redis Streams,
        // only here. The Kafka hosts print them the same way.
        CreateEveryDeclaredFamily();
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "exported-metrics-1")).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 1, TimeSpan.FromSeconds(30), "the claim is paid");

        var text = await (await app.Storefront.Http.GetAsync("/metrics")).Content.ReadAsStringAsync();
        var printed = Help().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        var histograms = HistogramType().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        return new ExportedMetrics(printed, histograms);
    }

    /// <summary>The <c>flashsale_*</c> series a PromQL expression names, as written (<c>..._bucket</c> included).</summary>
    public static IEnumerable<string> SeriesIn(string expr) => FlashSaleSeries().Matches(expr).Select(m => m.Value);

    /// <summary>The family a series belongs to: a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> are its own.</summary>
    public string FamilyOf(string series)
    {
        foreach (var suffix in HistogramSuffixes)
            if (series.EndsWith(suffix, StringComparison.Ordinal) && _histograms.Contains(series[..^suffix.Length]))
                return series[..^suffix.Length];
        return series;
    }

    public bool Exists(string series) => _printed.Contains(FamilyOf(series));

    /// <summary>The flashsale_* families /metrics printed, for a failure message.</summary>
    public string Describe() => "printed: " + string.Join(", ", _printed.Where(n => n.StartsWith("flashsale_", StringComparison.Ordinal)).Order());

    // Reads every Prometheus collector held in a static field of the service (FlashSaleMetrics, KafkaMetrics, ...),
    // which runs the initializer that creates it in the registry /metrics serves.
    private static void CreateEveryDeclaredFamily()
    {
        var fields = typeof(FlashSaleMetrics).Assembly.GetTypes()
            .Where(t => !t.ContainsGenericParameters)
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => typeof(Collector).IsAssignableFrom(f.FieldType));
        foreach (var field in fields) Assert.NotNull(field.GetValue(null));
    }

    [GeneratedRegex(@"^# HELP (\S+) ", RegexOptions.Multiline)]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE (\S+) histogram$", RegexOptions.Multiline)]
    private static partial Regex HistogramType();

    [GeneratedRegex(@"\bflashsale_[a-z0-9_]+")]
    private static partial Regex FlashSaleSeries();
}
