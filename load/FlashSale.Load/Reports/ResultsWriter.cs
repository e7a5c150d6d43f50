using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsvHelper;

namespace FlashSale.Load.Reports;

/// <summary>Writes <c>--out results.json</c> and <c>--csv timeline.csv</c>, for CI and dashboards to read instead of the HTML.</summary>
public static class ResultsWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteJsonAsync(ResultsDocument results, string path, CancellationToken ct)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, results, Json, ct);
    }

    private static readonly string[] CsvHeader =
    [
        "atSeconds", "intervalSeconds", "admitted", "replay", "soldOut", "notStarted", "error", "perSecond",
        "p50Ms", "p99Ms", "maxMs", "stockRemaining", "paid", "unitsInFlight",
    ];

    public static async Task WriteCsvAsync(IReadOnlyList<ResultsInterval> timeline, string path, CancellationToken ct)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        await using var writer = new StreamWriter(path);
        await using (var csv = CsvWriter.Create(writer, new CsvWriterOptions(), leaveOpen: true))
        {
            csv.WriteHeader(CsvHeader);
            foreach (var i in timeline)
                await csv.WriteRecordAsync(
                [
                    F(i.AtSeconds), F(i.IntervalSeconds), $"{i.Admitted}", $"{i.Replay}", $"{i.SoldOut}", $"{i.NotStarted}", $"{i.Error}",
                    F(i.PerSecond), F(i.P50Ms), F(i.P99Ms), F(i.MaxMs), $"{i.StockRemaining}", $"{i.Paid}", $"{i.UnitsInFlight}",
                ], ct);
            await csv.FlushAsync(ct);
        }
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static ResultsDocument? ReadJson(string path) => JsonSerializer.Deserialize<ResultsDocument>(File.ReadAllText(path), Json);
}
