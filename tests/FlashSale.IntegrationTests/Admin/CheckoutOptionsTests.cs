using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>The v2 sale options of checkout (CONTRACT.md, Admin): kept as given, defaults when left out.</summary>
[Collection(ServiceCollection.Name)]
public sealed class CheckoutOptionsTests(ServiceFixture app)
{
    [Fact]
    public async Task A_hold_sale_keeps_its_checkout_options()
    {
        var created = await app.Admin.PostJsonAsync("/admin/sales", FlashSaleClient.SaleBody(stock: 10, checkout: Checkout.Hold(holdSeconds: 120, maxPaymentAttempts: 2)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sale = await created.Content.ReadFromJsonAsync<JsonElement>();
        var saleId = sale.GetProperty("saleId").GetString()!;

        var read = await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}");
        foreach (var view in new[] { sale, read })
            Assert.Equal(("hold", 120, 2), (view.GetProperty("checkout").GetString(), view.GetProperty("holdSeconds").GetInt32(),
                view.GetProperty("maxPaymentAttempts").GetInt32()));
    }

    [Fact]
    public async Task A_sale_without_them_is_immediate_with_the_contract_defaults()
    {
        var sale = await app.Admin.CreateSaleAsync(stock: 10);
        var read = await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{sale.SaleId}");
        Assert.Equal(("immediate", 600, 3), (read.GetProperty("checkout").GetString(), read.GetProperty("holdSeconds").GetInt32(),
            read.GetProperty("maxPaymentAttempts").GetInt32()));
    }
}
