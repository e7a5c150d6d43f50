using System.Net;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>/metrics speaks Prometheus text and its key series move the way a sale does.</summary>
[Collection(ServiceCollection.Name)]
public sealed class MetricsTests(ServiceFixture app)
{
    [Fact]
    public async Task Claims_payments_and_stock_are_exported_and_counters_only_grow()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        var before = await ScrapeAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "metrics-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "metrics-2")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Storefront.ClaimAsync(sale.SaleId, "metrics-3")).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 2, TimeSpan.FromSeconds(30), "paid");

        var after = await ScrapeAsync();
        Assert.Equal(2, Value(after, $"flashsale_claims_total{{sale=\"{sale.SaleId}\",outcome=\"admitted\"}}"));
        Assert.Equal(1, Value(after, $"flashsale_claims_total{{sale=\"{sale.SaleId}\",outcome=\"sold_out\"}}"));
        Assert.Equal(0, Value(after, $"flashsale_stock_remaining{{sale=\"{sale.SaleId}\"}}"));
        Assert.True(Value(after, "flashsale_admit_duration_seconds_count") >= Value(before, "flashsale_admit_duration_seconds_count") + 3);
        Assert.True(Value(after, "flashsale_payments_total{outcome=\"succeeded\"}") >= Value(before, "flashsale_payments_total{outcome=\"succeeded\"}") + 2);
        Assert.True(Value(after, "flashsale_worker_confirmations_total{outcome=\"confirmed\"}") >= Value(before, "flashsale_worker_confirmations_total{outcome=\"confirmed\"}") + 2);
        Assert.Contains("flashsale_worker_batch_size_bucket", after.Keys.First(k => k.StartsWith("flashsale_worker_batch_size_bucket", StringComparison.Ordinal)));
        Assert.Contains(after.Keys, k => k.StartsWith("http_requests_received_total", StringComparison.Ordinal));
        Assert.True(Value(after, "flashsale_worker_confirm_duration_seconds_count") > Value(before, "flashsale_worker_confirm_duration_seconds_count"));
        Assert.Contains(after.Keys, k => k.StartsWith("flashsale_queue_pending", StringComparison.Ordinal));
        Assert.Contains(after.Keys, k => k.StartsWith("flashsale_payment_circuit_state", StringComparison.Ordinal));
        // Never a user id in a label.
        Assert.DoesNotContain(after.Keys, k => k.Contains("metrics-1", StringComparison.Ordinal));
    }

    private Task<Dictionary<string, double>> ScrapeAsync() => MetricsScrape.ScrapeAsync(app.Storefront.Http);

    private static double Value(Dictionary<string, double> series, string name) => series.GetValueOrDefault(name);
}
