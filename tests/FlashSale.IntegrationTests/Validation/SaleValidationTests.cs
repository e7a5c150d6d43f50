using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Validation;

/// <summary>
/// POST /admin/sales field rules (CONTRACT.md, Admin): every refusal is 400 <c>invalid_request</c> naming the field,
/// and no sale is created.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class SaleValidationTests(ServiceFixture app)
{
    /// <summary>Member, and the JSON it is set to (null: the member is left out).</summary>
    public static TheoryData<string, string?> BrokenFields => new()
    {
        { "sku", SaleJson.Str("") },
        { "sku", SaleJson.Str(new string('A', 65)) },
        { "sku", SaleJson.Str("SKU 42") },
        { "sku", SaleJson.Str("SKU/42") },
        { "sku", SaleJson.Str("SKU-é") },
        { "name", SaleJson.Str("") },
        { "name", SaleJson.Str(new string('n', 201)) },
        { "stock", "0" },
        { "stock", "-1" },
        { "stock", "10000001" },
        { "stock", SaleJson.Str("5") },
        { "stock", "1.5" },
        { "priceCents", "0" },
        { "priceCents", "-1" },
        { "priceCents", SaleJson.Str("12900") },
        { "currency", SaleJson.Str("USD") },
        { "currency", SaleJson.Str("us") },
        { "currency", SaleJson.Str("usd1") },
        { "currency", "840" },
        { "startsAt", SaleJson.Str("next tuesday") },
        { "perUserLimit", "0" },
        { "perUserLimit", "101" },
        { "perUserLimit", SaleJson.Str("1") },
        { "checkout", SaleJson.Str("later") },
        { "checkout", SaleJson.Str("") },
        { "checkout", "1" },
        { "holdSeconds", "29" },
        { "holdSeconds", "3601" },
        { "holdSeconds", SaleJson.Str("600") },
        { "maxPaymentAttempts", "0" },
        { "maxPaymentAttempts", "11" },
        { "poolShards", "0" },
        { "poolShards", "65" },
        { "poolShards", SaleJson.Str("3") },
        { "poolShards", "1.5" },
        { "sku", null },
        { "name", null },
        { "stock", null },
        { "priceCents", null },
        { "currency", null },
        { "startsAt", null },
        { "endsAt", null },
    };

    [Theory]
    [MemberData(nameof(BrokenFields))]
    public async Task A_broken_field_is_refused_by_name_and_creates_nothing(string field, string? json)
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var response = await PostAsync(SaleJson.Sale(sku, name).With(field, json));

        await ProblemAssert.InvalidAsync(response, field);
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task EndsAt_equal_to_startsAt_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var body = SaleJson.Sale(sku, name, startsIn: TimeSpan.FromHours(1));
        body["endsAt"] = body["startsAt"]!.GetValue<string>();

        await ProblemAssert.InvalidAsync(await PostAsync(body), "endsAt");
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task EndsAt_before_startsAt_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var body = SaleJson.Sale(sku, name, startsIn: TimeSpan.FromHours(2), endsIn: TimeSpan.FromHours(1));

        await ProblemAssert.InvalidAsync(await PostAsync(body), "endsAt");
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task A_waiting_room_sale_over_several_pools_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var body = SaleJson.Sale(sku, name);
        body["poolShards"] = 3;
        body["waitingRoom"] = new JsonObject { ["enabled"] = true };
        await ProblemAssert.InvalidAsync(await PostAsync(body), "poolShards");
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task Values_on_the_edge_of_every_range_are_accepted()
    {
        var sku = "A." + Unique.Sku() + "_" + new string('z', 45);
        Assert.Equal(64, sku.Length);
        var name = new string('n', 188) + Guid.NewGuid().ToString("N")[..12];
        var body = SaleJson.Sale(sku, name, stock: 10_000_000, perUserLimit: 100);
        body["priceCents"] = 1;
        body["poolShards"] = 64;

        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var sale = await app.Admin.GetSaleAsync((await response.Content.ReadFromJsonAsync<SaleView>(FlashSaleClient.Json))!.SaleId);
        Assert.Equal((sku, name, 10_000_000, 1L, 100), (sale.Sku, sale.Name, sale.Stock, sale.PriceCents, sale.PerUserLimit));
        var json = await app.Admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/admin/sales/{sale.SaleId}", FlashSaleClient.Json);
        Assert.Equal(64, json.GetProperty("poolShards").GetInt32());
    }

    [Fact]
    public async Task An_unknown_member_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var body = SaleJson.Sale(sku, name);
        body["color"] = "red";

        await ProblemAssert.InvalidAsync(await PostAsync(body));
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task A_duplicate_member_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var json = SaleJson.Sale(sku, name).ToJsonString();
        // The second "stock" would win in a lenient parser; the contract's strict reading refuses the body.
        json = json.Insert(json.Length - 1, ",\"stock\":999");

        await ProblemAssert.InvalidAsync(await app.Admin.PostRawAsync("/admin/sales", json));
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task Malformed_json_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var json = SaleJson.Sale(sku, name).ToJsonString();

        await ProblemAssert.InvalidAsync(await app.Admin.PostRawAsync("/admin/sales", json[..^1]));
        await ProblemAssert.InvalidAsync(await app.Admin.PostRawAsync("/admin/sales", json.Replace(":", "=")));
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"a sale\"")]
    [InlineData("")]
    public async Task A_body_that_is_not_a_json_object_is_refused(string json)
    {
        await ProblemAssert.InvalidAsync(await app.Admin.PostRawAsync("/admin/sales", json));
    }

    [Fact]
    public async Task A_json_array_of_sales_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var json = new JsonArray(SaleJson.Sale(sku, name)).ToJsonString();

        await ProblemAssert.InvalidAsync(await app.Admin.PostRawAsync("/admin/sales", json));
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_declared_json_is_refused(string contentType)
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());

        await ProblemAssert.UnsupportedMediaTypeAsync(await app.Admin.PostRawAsync("/admin/sales", SaleJson.Sale(sku, name).ToJsonString(), contentType));
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_16_KiB_is_refused_with_413(bool chunked)
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        var body = SaleJson.Sale(sku, name);
        body["note"] = new string('x', 16 * 1024);

        var response = await PostAsync(body, chunked);

        await ProblemAssert.HasAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Fact]
    public async Task An_idempotency_key_longer_than_255_characters_is_refused()
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/sales")
        {
            Content = new StringContent(SaleJson.Sale(sku, name).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", new string('k', 256));

        await ProblemAssert.InvalidAsync(await app.Admin.Http.SendAsync(request), "Idempotency-Key");
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    private async Task<HttpResponseMessage> PostAsync(JsonObject body, bool chunked = false)
    {
        if (!chunked) return await app.Admin.PostRawAsync("/admin/sales", body.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/sales")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body.ToJsonString()))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        return await app.Admin.Http.SendAsync(request);
    }
}
