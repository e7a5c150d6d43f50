using System.Net;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>/healthz says the process lives; /readyz says whether Redis, PostgreSQL and the queue answer.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_when_every_dependency_answers()
    {
        await using var host = CustomHost.Start(new Dictionary<string, string?>());
        var response = await host.Storefront.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ready", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("down").GetArrayLength());
    }

    [Fact]
    public async Task Not_ready_while_redis_is_unreachable_naming_it_but_still_alive()
    {
        // Nothing listens on port 1: the service starts anyway and says what is missing.
        await using var host = CustomHost.Start(new Dictionary<string, string?> { ["FlashSale:Redis:Configuration"] = "127.0.0.1:1,connectTimeout=200" });

        var ready = await host.Storefront.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.NotNull(ready.Headers.RetryAfter);
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var down = json.RootElement.GetProperty("down").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Contains("redis", down);
        Assert.DoesNotContain("postgres", down);
        Assert.Equal(HttpStatusCode.OK, (await host.Storefront.Http.GetAsync("/healthz")).StatusCode);

        // A claim while Redis is down is a 503 the buyer may retry, never a 500.
        var claim = await host.Storefront.ClaimAsync(FlashSale.Core.Ids.NewSaleId(), "u-1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, claim.StatusCode);
        await ProblemAssertions.HasCodeAsync(claim, "dependency_unavailable");
    }
}
