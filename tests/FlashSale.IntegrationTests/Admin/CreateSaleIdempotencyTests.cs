using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Admin;

/// <summary>POST /admin/sales with an <c>Idempotency-Key</c>: a repeat returns the same sale; a different body is 422.</summary>
[Collection(ServiceCollection.Name)]
public sealed class CreateSaleIdempotencyTests(ServiceFixture app)
{
    [Fact]
    public async Task The_same_key_and_body_return_the_same_sale_and_create_one()
    {
        var (key, sku) = (Guid.NewGuid().ToString(), Unique.Sku());
        var body = SaleJson.Sale(sku, Unique.Name(), stock: 12);

        var first = await PostAsync(key, body);
        var second = await PostAsync(key, body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Contains(second.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.OK });
        var (a, b) = (await ReadAsync(first), await ReadAsync(second));
        Assert.Equal(a.SaleId, b.SaleId);
        Assert.Equal((a.Sku, a.Name, a.Stock, a.StartsAt, a.EndsAt), (b.Sku, b.Name, b.Stock, b.StartsAt, b.EndsAt));
        Assert.Equal(a.SaleId, Assert.Single(await ListedWithSkuAsync(sku)).SaleId);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422_and_changes_nothing()
    {
        var (key, sku) = (Guid.NewGuid().ToString(), Unique.Sku());
        var body = SaleJson.Sale(sku, Unique.Name(), stock: 12);
        var original = await ReadAsync(await PostAsync(key, body));

        var response = await PostAsync(key, body.DeepClone().AsObject().With("stock", "13"));

        await ProblemAssert.HasAsync(response, HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        var listed = Assert.Single(await ListedWithSkuAsync(sku));
        Assert.Equal((original.SaleId, 12), (listed.SaleId, listed.Stock));
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_key_create_one_sale()
    {
        var (key, sku) = (Guid.NewGuid().ToString(), Unique.Sku());
        var body = SaleJson.Sale(sku, Unique.Name());

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(key, body)));

        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, $"answered {(int)r.StatusCode}"));
        var ids = await Task.WhenAll(responses.Select(async r => (await ReadAsync(r)).SaleId));
        Assert.Single(ids.Distinct());
        Assert.Equal(ids[0], Assert.Single(await ListedWithSkuAsync(sku)).SaleId);
    }

    [Fact]
    public async Task Different_keys_create_different_sales()
    {
        var sku = Unique.Sku();
        var body = SaleJson.Sale(sku, Unique.Name());

        var a = await ReadAsync(await PostAsync(Guid.NewGuid().ToString(), body));
        var b = await ReadAsync(await PostAsync(Guid.NewGuid().ToString(), body));

        Assert.NotEqual(a.SaleId, b.SaleId);
        Assert.Equal(2, (await ListedWithSkuAsync(sku)).Length);
    }

    private Task<HttpResponseMessage> PostAsync(string key, JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/sales")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return app.Admin.Http.SendAsync(request);
    }

    private static async Task<SaleView> ReadAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<SaleView>(FlashSaleClient.Json))!;

    private async Task<SaleView[]> ListedWithSkuAsync(string sku) =>
        (await app.Admin.Http.GetFromJsonAsync<SaleView[]>("/admin/sales?limit=1000", FlashSaleClient.Json))!
            .Where(s => s.Sku == sku).ToArray();
}
