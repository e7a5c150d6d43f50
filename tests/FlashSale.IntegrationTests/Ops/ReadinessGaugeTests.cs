using System.Net;
using System.Text.Json;
using FlashSale.Service.Ops;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FlashSale.IntegrationTests.Ops;

/// <summary><c>flashsale_ready</c> says what /readyz says, from the same checks, without anyone probing /readyz.</summary>
[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class ReadinessGaugeTests(Infrastructure.ServiceFixture app)
{
    [Fact]
    public async Task Ready_reads_1_on_a_host_whose_dependencies_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Storefront.Http.GetAsync("/readyz")).StatusCode);
        // The gauge is one per process and the test hosts share this one: a host of another test whose Redis is
        // unreachable sets it to 0 on its turn. This host's publisher sets it back within a period.
        var last = double.NaN;
        await Eventually.True(async () =>
        {
            last = (await MetricsScrape.ScrapeAsync(app.Storefront.Http)).GetValueOrDefault("flashsale_ready", double.NaN);
            return last == 1;
        }, TimeSpan.FromSeconds(20), () => $"flashsale_ready = {last}", "flashsale_ready is 1");
    }

    [Fact]
    public async Task The_gauge_runs_exactly_the_checks_readyz_runs()
    {
        using var ready = JsonDocument.Parse(await (await app.Storefront.Http.GetAsync("/readyz")).Content.ReadAsStringAsync());
        var readyz = ready.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order().ToArray();

        var publisher = app.Services.GetRequiredService<IOptions<HealthCheckPublisherOptions>>().Value;
        var registrations = app.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.NotNull(publisher.Predicate);
        Assert.Equal(readyz, registrations.Where(publisher.Predicate).Select(r => r.Name).Order().ToArray());
        Assert.Contains(app.Services.GetServices<IHealthCheckPublisher>(), p => p is ReadinessGauge);
        Assert.True(publisher.Period <= TimeSpan.FromSeconds(10), $"period {publisher.Period}");
    }
}
