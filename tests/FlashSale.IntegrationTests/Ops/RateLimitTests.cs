using System.Net;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>Above the configured limits the claim endpoint answers 429 at once, and stays correct.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task A_burst_above_the_client_limit_is_answered_429_with_retry_after_and_the_sale_stays_correct()
    {
        await using var host = CustomHost.Start(new Dictionary<string, string?>
        {
            ["FlashSale:Limits:PerClientBurst"] = "40",
            ["FlashSale:Limits:PerClientPerSecond"] = "1",
        });
        var sale = await host.Admin.LiveSaleAsync(stock: 10);

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => host.Storefront.ClaimAsync(sale.SaleId, $"burst-{i}")));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 150, 160); // 40 tokens for 200 requests (one more may be replenished)
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta > TimeSpan.Zero));
        foreach (var r in limited.Take(3))
            await ProblemAssertions.HasCodeAsync(r, "rate_limited");
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests }));

        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(10, admitted);
        await Eventually.True(async () => (await host.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 10,
            TimeSpan.FromSeconds(30), "every admitted claim is paid");
    }

    [Fact]
    public async Task One_user_hammering_a_sale_is_limited_and_still_holds_one_claim()
    {
        await using var host = CustomHost.Start(new Dictionary<string, string?> { ["FlashSale:Limits:PerUserBurst"] = "3", ["FlashSale:Limits:PerUserPerSecond"] = "1" });
        var sale = await host.Admin.LiveSaleAsync(stock: 10);

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++) responses.Add(await host.Storefront.ClaimAsync(sale.SaleId, "hammer"));

        Assert.Equal(HttpStatusCode.Accepted, responses[0].StatusCode);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.All(responses.Skip(1), r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        // Another user is not starved by the first one's limit.
        Assert.Equal(HttpStatusCode.Accepted, (await host.Storefront.ClaimAsync(sale.SaleId, "someone-else")).StatusCode);
        Assert.Equal(2, (await host.Admin.GetSaleAsync(sale.SaleId)).Counts!.Admitted);
    }

    [Fact]
    public async Task Beyond_the_in_flight_limit_claims_are_refused_503_overloaded_not_queued()
    {
        await using var host = CustomHost.Start(new Dictionary<string, string?> { ["FlashSale:Limits:MaxConcurrentClaims"] = "2" });
        var sale = await host.Admin.LiveSaleAsync(stock: 1000);

        var responses = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => host.Storefront.ClaimAsync(sale.SaleId, $"crowd-{i}")));

        var overloaded = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(overloaded);
        Assert.All(overloaded, r => Assert.True(r.Headers.RetryAfter?.Delta > TimeSpan.Zero));
        await ProblemAssertions.HasCodeAsync(overloaded[0], "overloaded");
        var admitted = responses.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(400, admitted + overloaded.Count);
        var counts = (await host.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((admitted, 1000 - admitted), (counts.Admitted, counts.Remaining));
    }
}
