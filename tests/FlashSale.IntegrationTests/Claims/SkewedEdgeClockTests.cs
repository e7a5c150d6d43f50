using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>
/// The sale window is decided by Redis's clock, not by each edge's: an edge whose clock runs ahead lets nobody in
/// early, and one whose clock lags keeps nobody out. (One node is enough: the rule lives in admit.lua, whose tests
/// run on every topology.)
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class SkewedEdgeClockTests
{
    [Fact]
    public async Task An_edge_ten_minutes_ahead_cannot_admit_before_the_sale_starts()
    {
        await using var edge = await StartAsync(TimeSpan.FromMinutes(10));
        var sale = await edge.Admin.CreateSaleAsync(stock: 5, startsIn: TimeSpan.FromMinutes(5), endsIn: TimeSpan.FromHours(1));
        await edge.Admin.PreloadAsync(sale.SaleId);

        var claim = await edge.Storefront.ClaimAsync(sale.SaleId, "early-bird");

        await ProblemAssert.HasAsync(claim, HttpStatusCode.Conflict, "sale_not_started");
        Assert.Equal(5, (await edge.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);
    }

    [Fact]
    public async Task An_edge_ten_minutes_behind_admits_once_the_sale_started_by_redis_clock()
    {
        await using var edge = await StartAsync(TimeSpan.FromMinutes(-10));
        var sale = await edge.Admin.LiveSaleAsync(stock: 5);

        var claim = await edge.Storefront.ClaimAsync(sale.SaleId, "on-time");

        Assert.Equal(HttpStatusCode.Accepted, claim.StatusCode);
    }

    private static Task<IsolatedService> StartAsync(TimeSpan skew) =>
        IsolatedService.StartAsync(services: s => s.AddSingleton<TimeProvider>(new SkewedClock(skew)));

    private sealed class SkewedClock(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;
    }
}
