using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>/metrics read as series name (with labels) → value.</summary>
internal static partial class MetricsScrape
{
    public static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var series = new Dictionary<string, double>();
        foreach (Match m in Sample().Matches(await response.Content.ReadAsStringAsync()))
            series[m.Groups[1].Value] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return series;
    }

    // Label values may hold braces (endpoint="/sales/{saleId}/claims"): the labels run to the last one.
    [GeneratedRegex(@"^([a-z_]+(?:\{.*\})?) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
