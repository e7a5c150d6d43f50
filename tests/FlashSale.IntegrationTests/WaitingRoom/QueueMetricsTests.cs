using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Ops;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// The waiting room on /metrics (CONTRACT.md, Ops): tickets waiting, admitted and used per sale, the outflow rate as set
/// and as admitted, and claims refused for their token by reason.
/// </summary>
public abstract class QueueMetricsTests(ServiceFixture app)
{
    [Fact]
    public async Task Tickets_the_outflow_and_token_refusals_are_on_metrics()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 10, outflowPerMinute: 1);
        var tickets = new List<Ticket>();
        foreach (var user in new[] { "metrics-a", "metrics-b", "metrics-c" }) tickets.Add((await QueueSteps.JoinAsync(app.Storefront, saleId, user)).Ticket);
        var admitted = await QueueSteps.AdmittedAsync(app.Storefront, saleId, tickets[0].TicketId);
        var before = await MetricsScrape.ScrapeAsync(app.Storefront.Http);

        Assert.Equal(HttpStatusCode.Forbidden, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "metrics-b", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "metrics-b", admitted.AdmissionToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await QueueSteps.ClaimAsync(app.Storefront, saleId, "metrics-a", admitted.AdmissionToken)).StatusCode);

        Dictionary<string, double> after = [];
        await Eventually.True(async () =>
        {
            after = await MetricsScrape.ScrapeAsync(app.Storefront.Http);
            return Value(after, Tickets(saleId, "used")) == 1;
        }, TimeSpan.FromSeconds(10), () => Dump(after, saleId), "the used ticket is counted");
        Assert.Equal((2, 1, 1), (Value(after, Tickets(saleId, "waiting")), Value(after, Tickets(saleId, "admitted")), Value(after, Tickets(saleId, "used"))));
        Assert.Equal(1, Value(after, $"flashsale_queue_outflow_per_minute{{sale=\"{saleId}\"}}"));
        Assert.Equal(1, Value(after, $"flashsale_queue_admissions_total{{sale=\"{saleId}\"}}"));
        // Refusals are counted by reason for the whole process, which other tests' sales share: compared before and after.
        foreach (var reason in new[] { "missing", "invalid" })
        {
            var series = $"flashsale_admission_refusals_total{{reason=\"{reason}\"}}";
            Assert.True(Value(after, series) >= Value(before, series) + 1, $"{series}: {Value(before, series)} → {Value(after, series)}");
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{saleId}", new { waitingRoom = new { outflowPerMinute = 240 } })).StatusCode);
        await Eventually.True(async () =>
            Value(after = await MetricsScrape.ScrapeAsync(app.Storefront.Http), $"flashsale_queue_outflow_per_minute{{sale=\"{saleId}\"}}") == 240,
            TimeSpan.FromSeconds(10), () => Dump(after, saleId), "the new rate is on metrics");
    }

    private static string Tickets(string saleId, string state) => $"flashsale_queue_tickets{{sale=\"{saleId}\",state=\"{state}\"}}";

    private static double Value(Dictionary<string, double> series, string name) => series.GetValueOrDefault(name);

    private static string Dump(Dictionary<string, double> series, string saleId) =>
        string.Join("; ", series.Where(s => s.Key.Contains(saleId) || s.Key.StartsWith("flashsale_admission")).Select(s => $"{s.Key}={s.Value}"));
}

[Collection(ServiceCollection.Name)]
public sealed class QueueMetricsTestsOnSingleNode(ServiceFixture app) : QueueMetricsTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class QueueMetricsTestsOnCluster(ClusterServiceFixture app) : QueueMetricsTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class QueueMetricsTestsBehindSentinels(SentinelServiceFixture app) : QueueMetricsTests(app);
