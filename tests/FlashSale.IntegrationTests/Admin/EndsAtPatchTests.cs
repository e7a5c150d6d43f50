using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;
using FlashSale.IntegrationTests.WaitingRoom;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>
/// <c>PATCH /admin/sales/{saleId}</c> with <c>endsAt</c> (CONTRACT.md, Admin): a live sale's end moves, for claims
/// and for its waiting room alike; a bad end, or a closed sale, changes nothing.
/// </summary>
public abstract class EndsAtPatchTests(ServiceFixture app)
{
    [Fact]
    public async Task A_sale_ended_early_refuses_claims_and_one_extended_keeps_taking_them()
    {
        var shortened = await app.Admin.LiveSaleAsync(stock: 10);
        var extended = (await app.Admin.CreateSaleAsync(stock: 10, endsIn: TimeSpan.FromSeconds(4))).SaleId;
        await app.Admin.PreloadAsync(extended);

        var soon = DateTimeOffset.UtcNow.AddSeconds(2);
        var patched = await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{shortened.SaleId}", new { endsAt = soon });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(Truncated(soon), (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("endsAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{extended}", new { endsAt = DateTimeOffset.UtcNow.AddMinutes(30) })).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(shortened.SaleId, "before-the-new-end")).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(shortened.SaleId)).Status == "ended", TimeSpan.FromSeconds(10), "the sale ends at its new end");
        await ProblemAssert.HasAsync(await app.Storefront.ClaimAsync(shortened.SaleId, "after-the-new-end"), HttpStatusCode.Conflict, "sale_ended");

        // Past its first end: still on.
        await Eventually.True(() => Task.FromResult(DateTimeOffset.UtcNow > soon.AddSeconds(3)), TimeSpan.FromSeconds(10), "the first end passes");
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(extended, "after-the-old-end")).StatusCode);
        Assert.Equal("live", (await app.Admin.GetSaleAsync(extended)).Status);
    }

    [Fact]
    public async Task A_waiting_room_ended_early_takes_no_more_tickets()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5);
        await QueueSteps.JoinAsync(app.Storefront, saleId, "joined-in-time");
        var soon = DateTimeOffset.UtcNow.AddSeconds(2);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{saleId}", new { endsAt = soon })).StatusCode);
        await Eventually.True(() => Task.FromResult(DateTimeOffset.UtcNow > soon.AddMilliseconds(200)), TimeSpan.FromSeconds(10), "the new end passes");
        await ProblemAssert.HasAsync(await app.Storefront.PostJsonAsync($"/sales/{saleId}/queue", new { userId = "too-late" }), HttpStatusCode.Conflict, "sale_ended");
    }

    [Fact]
    public async Task A_bad_end_or_a_closed_sale_changes_nothing()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 5, startsIn: TimeSpan.FromMinutes(10), endsIn: TimeSpan.FromMinutes(40));
        foreach (var bad in new object[]
                 {
                     new { endsAt = DateTimeOffset.UtcNow.AddMinutes(5) },   // before the start
                     new { endsAt = DateTimeOffset.UtcNow.AddMinutes(-1) },  // gone: close the sale instead
                     new { endsAt = "tomorrow" }, new { }, new { waitingRoom = new { } },
                 })
            await ProblemAssert.InvalidAsync(await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{sale.SaleId}", bad));
        Assert.Equal(sale.EndsAt, (await app.Admin.GetSaleAsync(sale.SaleId)).EndsAt);

        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "close")).StatusCode);
        await ProblemAssert.HasAsync(await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{sale.SaleId}", new { endsAt = DateTimeOffset.UtcNow.AddHours(1) }),
            HttpStatusCode.Conflict, "invalid_transition");
        Assert.Equal(sale.EndsAt, (await app.Admin.GetSaleAsync(sale.SaleId)).EndsAt);
        await ProblemAssert.HasAsync(await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{Unique.SaleId()}", new { endsAt = DateTimeOffset.UtcNow.AddHours(1) }),
            HttpStatusCode.NotFound, "sale_not_found");
    }

    // Sale times are kept to the microsecond, as PostgreSQL keeps them.
    private static DateTimeOffset Truncated(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
}

[Collection(ServiceCollection.Name)]
public sealed class EndsAtPatchTestsOnSingleNode(ServiceFixture app) : EndsAtPatchTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class EndsAtPatchTestsOnCluster(ClusterServiceFixture app) : EndsAtPatchTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class EndsAtPatchTestsBehindSentinels(SentinelServiceFixture app) : EndsAtPatchTests(app);
