using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>POST /admin/sales, GET /admin/sales and GET /admin/sales/{saleId} (CONTRACT.md, Admin).</summary>
[Collection(ServiceCollection.Name)]
public sealed class CreateSaleTests(ServiceFixture app)
{
    [Fact]
    public async Task Create_answers_201_with_the_location_and_the_sale_as_sent()
    {
        var now = SaleJson.Now();
        var (sku, startsAt, endsAt) = (Unique.Sku(), now.AddHours(1), now.AddHours(2));
        var body = new
        {
            sku, name = "Limited sneaker", stock = 250, priceCents = 4999L, currency = "eur",
            startsAt = SaleJson.Iso(startsAt), endsAt = SaleJson.Iso(endsAt), perUserLimit = 3,
        };

        var response = await app.Admin.PostJsonAsync("/admin/sales", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var sale = (await response.Content.ReadFromJsonAsync<SaleView>(FlashSaleClient.Json))!;
        Assert.False(string.IsNullOrEmpty(sale.SaleId));
        Assert.Equal($"/admin/sales/{sale.SaleId}", PathOf(response.Headers.Location));
        Assert.Equal((sku, "Limited sneaker", 250, 4999L, "eur", 3), (sale.Sku, sale.Name, sale.Stock, sale.PriceCents, sale.Currency, sale.PerUserLimit));
        Assert.Equal(startsAt.UtcDateTime, sale.StartsAt.ToUniversalTime());
        Assert.Equal(endsAt.UtcDateTime, sale.EndsAt.ToUniversalTime());
        Assert.Equal("scheduled", sale.Status);
    }

    [Fact]
    public async Task The_location_leads_to_the_same_sale()
    {
        var response = await app.Admin.PostRawAsync("/admin/sales",
            SaleJson.Sale(Unique.Sku(), Unique.Name(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2)).ToJsonString());
        var created = (await response.Content.ReadFromJsonAsync<SaleView>(FlashSaleClient.Json))!;

        var fetched = (await app.Admin.Http.GetFromJsonAsync<SaleView>(PathOf(response.Headers.Location), FlashSaleClient.Json))!;

        Assert.Equal(created with { Counts = null }, fetched with { Counts = null });
    }

    [Fact]
    public async Task PerUserLimit_defaults_to_1_when_omitted()
    {
        var body = SaleJson.Sale(Unique.Sku(), Unique.Name(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2), perUserLimit: null);
        Assert.False(body.ContainsKey("perUserLimit"));

        var response = await app.Admin.PostRawAsync("/admin/sales", body.ToJsonString());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sale = (await response.Content.ReadFromJsonAsync<SaleView>(FlashSaleClient.Json))!;
        Assert.Equal(1, sale.PerUserLimit);
        Assert.Equal(1, (await app.Admin.GetSaleAsync(sale.SaleId)).PerUserLimit);
    }

    [Fact]
    public async Task The_list_contains_the_new_sale()
    {
        var sku = Unique.Sku();
        var sale = await app.Admin.CreateSaleAsync(stock: 7, sku: sku, startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));

        var list = (await app.Admin.Http.GetFromJsonAsync<SaleView[]>("/admin/sales?limit=1000", FlashSaleClient.Json))!;

        var listed = Assert.Single(list, s => s.Sku == sku);
        Assert.Equal(sale.SaleId, listed.SaleId);
        Assert.Equal((7, "scheduled"), (listed.Stock, listed.Status));
    }

    [Fact]
    public async Task Get_shows_counts_with_all_the_stock_remaining_before_any_claim()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 42, sku: Unique.Sku(), startsIn: TimeSpan.FromHours(1), endsIn: TimeSpan.FromHours(2));

        var scheduled = await app.Admin.GetSaleAsync(sale.SaleId);
        Assert.Equal("scheduled", scheduled.Status);
        AssertUntouched(scheduled.Counts, stock: 42);

        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "preload")).StatusCode);
        var preloaded = await app.Admin.GetSaleAsync(sale.SaleId);
        Assert.Equal("preloaded", preloaded.Status);
        AssertUntouched(preloaded.Counts, stock: 42);
    }

    [Fact]
    public async Task Get_counts_follow_an_admitted_claim()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 10, perUserLimit: 3);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, Unique.User(), quantity: 3)).StatusCode);

        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;

        Assert.Equal((10, 7, 3), (counts.Stock, counts.Remaining, counts.Admitted));
    }

    private static void AssertUntouched(CountsView? counts, int stock)
    {
        Assert.NotNull(counts);
        Assert.Equal((stock, stock), (counts.Stock, counts.Remaining));
        Assert.Equal((0, 0, 0, 0, 0, 0), (counts.Admitted, counts.Confirmed, counts.Paid, counts.PaymentFailed, counts.Released, counts.Rejected));
    }

    private static string PathOf(Uri? location)
    {
        Assert.NotNull(location);
        return location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString;
    }
}
