using System.Net;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;

namespace FlashSale.IntegrationTests.Validation;

/// <summary>"No error ever changes state": checks that a refused request left sales, stock and claims as they were.</summary>
public static class Untouched
{
    /// <summary>No sale with this sku (or this name) exists.</summary>
    public static async Task AssertNoSaleAsync(ServiceFixture app, string sku, string? name = null)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        var count = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM sales WHERE sku = @sku OR name = @name", new { sku, name = name ?? sku });
        Assert.True(count == 0, $"{count} sale(s) with sku {sku} / name {name} exist");
    }

    /// <summary>The sale's live counts are still these.</summary>
    public static async Task AssertCountsAsync(ServiceFixture app, string saleId, int remaining, int admitted)
    {
        var sale = await app.Admin.GetSaleAsync(saleId);
        Assert.NotNull(sale.Counts);
        Assert.Equal(remaining, sale.Counts.Remaining);
        Assert.Equal(admitted, sale.Counts.Admitted);
    }

    /// <summary>The user holds no claim on the sale, neither in the admit pool nor in PostgreSQL.</summary>
    public static async Task AssertNoClaimAsync(ServiceFixture app, string saleId, string userId)
    {
        Assert.False(await app.Redis.HashExistsAsync(new SaleKeys(saleId).Users, userId), $"{userId} holds a claim in Redis");
        await using var conn = await app.Db.OpenConnectionAsync();
        var count = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM claims WHERE sale_id = @saleId AND user_id = @userId", new { saleId, userId });
        Assert.Equal(0, count);
    }

    /// <summary>The user's first valid claim is admitted as a first claim (202), not answered as a repeat (200).</summary>
    public static async Task AssertFirstClaimAdmittedAsync(ServiceFixture app, string saleId, string userId)
    {
        await AssertNoClaimAsync(app, saleId, userId);
        var response = await app.Storefront.ClaimAsync(saleId, userId);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted,
            $"a valid claim by {userId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
