using System.Text.Json;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>docs/ops/grafana-dashboard.json is a dashboard Grafana imports, and its panels read series the service exports.</summary>
[Collection(ServiceCollection.Name)]
public sealed class GrafanaDashboardTests(ServiceFixture app)
{
    private static readonly string DashboardPath = Path.Combine(Repo.Root, "docs", "ops", "grafana-dashboard.json");

    [Fact]
    public void It_is_a_dashboard_with_a_datasource_and_a_sale_variable()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var root = json.RootElement;
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 36);
        Assert.NotEmpty(Panels(root));
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Equal("datasource", variables["datasource"].GetProperty("type").GetString());
        Assert.Equal("prometheus", variables["datasource"].GetProperty("query").GetString());
        Assert.Equal("label_values(flashsale_stock_remaining, sale)", variables["sale"].GetProperty("definition").GetString());
        // Every query goes to the chosen Prometheus, not to whatever default the importing Grafana has.
        Assert.All(Targets(root), t => Assert.Equal("${datasource}", t.GetProperty("datasource").GetProperty("uid").GetString()));
    }

    [Fact]
    public async Task Every_series_a_panel_reads_is_one_the_service_exports()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var series = Targets(json.RootElement).SelectMany(t => ExportedMetrics.SeriesIn(t.GetProperty("expr").GetString()!)).Distinct().ToList();
        Assert.NotEmpty(series);
        var exported = await ExportedMetrics.AfterASaleAsync(app);
        var missing = series.Where(s => !exported.Exists(s)).ToList();
        Assert.True(missing.Count == 0, $"not exported: {string.Join(", ", missing)} ({exported.Describe()})");
    }

    // Panels, with those inside collapsed rows.
    private static List<JsonElement> Panels(JsonElement root) =>
        root.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("panels", out var inner) ? [p, .. inner.EnumerateArray()] : new[] { p })
            .ToList();

    private static IEnumerable<JsonElement> Targets(JsonElement root) =>
        Panels(root).Where(p => p.TryGetProperty("targets", out _)).SelectMany(p => p.GetProperty("targets").EnumerateArray());
}
