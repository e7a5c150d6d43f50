using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Validation;

/// <summary>
/// POST /sales/{saleId}/claims rules (CONTRACT.md, Storefront): every refusal is 400 <c>invalid_request</c> (or 413),
/// takes no stock, and leaves the user without a claim, so their next valid claim is a first claim (202).
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ClaimValidationTests(ServiceFixture app)
{
    private const int Stock = 5;
    private const int PerUserLimit = 2;

    /// <summary>Member, and the JSON it is set to (null: the member is left out).</summary>
    public static TheoryData<string, string?> BrokenFields => new()
    {
        { "userId", SaleJson.Str("") },
        { "userId", SaleJson.Str(new string('u', 129)) },
        { "userId", SaleJson.Str("user one") },
        { "userId", SaleJson.Str("user/one") },
        { "userId", SaleJson.Str("user\u00e9") },
        { "userId", "123" },
        { "userId", null },
        { "quantity", "0" },
        { "quantity", "-1" },
        { "quantity", "101" },
        { "quantity", SaleJson.Str("1") },
        { "quantity", "1.5" },
        { "quantity", "true" },
        { "paymentMethodId", null },
        { "paymentMethodId", SaleJson.Str("") },
        { "paymentMethodId", "42" },
        { "paymentMethodId", "{}" },
    };

    [Theory]
    [MemberData(nameof(BrokenFields))]
    public async Task A_broken_field_is_refused_by_name_and_changes_nothing(string field, string? json)
    {
        var (saleId, user) = await LiveSaleAsync();

        var response = await PostAsync(saleId, SaleJson.Claim(user).With(field, json));

        await ProblemAssert.InvalidAsync(response, field);
        await AssertNothingChangedAsync(saleId, user);
    }

    [Fact]
    public async Task A_quantity_over_the_sales_per_user_limit_is_refused()
    {
        var (saleId, user) = await LiveSaleAsync();

        var response = await PostAsync(saleId, SaleJson.Claim(user, quantity: PerUserLimit + 1));

        await ProblemAssert.InvalidAsync(response, "quantity");
        await AssertNothingChangedAsync(saleId, user);
    }

    [Fact]
    public async Task A_quantity_equal_to_the_per_user_limit_is_admitted()
    {
        var (saleId, user) = await LiveSaleAsync();

        var response = await PostAsync(saleId, SaleJson.Claim(user, quantity: PerUserLimit));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Untouched.AssertCountsAsync(app, saleId, remaining: Stock - PerUserLimit, admitted: PerUserLimit);
    }

    [Fact]
    public async Task A_userId_of_128_allowed_characters_is_admitted()
    {
        var (saleId, _) = await LiveSaleAsync();
        var user = ("a.B_9:x@y-" + Guid.NewGuid().ToString("N")).PadRight(128, 'z');
        Assert.Equal(128, user.Length);

        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(saleId, SaleJson.Claim(user))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(saleId, SaleJson.Claim(user))).StatusCode);
        await Untouched.AssertCountsAsync(app, saleId, remaining: Stock - 1, admitted: 1);
    }

    [Fact]
    public async Task An_unknown_member_is_refused()
    {
        var (saleId, user) = await LiveSaleAsync();
        var body = SaleJson.Claim(user);
        body["couponCode"] = "FREE";

        await ProblemAssert.InvalidAsync(await PostAsync(saleId, body));
        await AssertNothingChangedAsync(saleId, user);
    }

    [Fact]
    public async Task A_duplicate_member_is_refused()
    {
        var (saleId, user) = await LiveSaleAsync();
        var json = SaleJson.Claim(user).ToJsonString();
        json = json.Insert(json.Length - 1, ",\"quantity\":2");

        await ProblemAssert.InvalidAsync(await app.Storefront.PostRawAsync(ClaimsPath(saleId), json));
        await AssertNothingChangedAsync(saleId, user);
    }

    [Theory]
    [InlineData("{\"userId\": ")]
    [InlineData("{userId: 'u', quantity: 1, paymentMethodId: 'pm_card_visa'}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("")]
    public async Task A_body_that_is_not_a_json_object_is_refused(string json)
    {
        var (saleId, user) = await LiveSaleAsync();

        await ProblemAssert.InvalidAsync(await app.Storefront.PostRawAsync(ClaimsPath(saleId), json));
        await AssertNothingChangedAsync(saleId, user);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_declared_json_is_refused(string contentType)
    {
        var (saleId, user) = await LiveSaleAsync();

        var response = await app.Storefront.PostRawAsync(ClaimsPath(saleId), SaleJson.Claim(user).ToJsonString(), contentType);

        await ProblemAssert.UnsupportedMediaTypeAsync(response);
        await AssertNothingChangedAsync(saleId, user);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_16_KiB_is_refused_with_413(bool chunked)
    {
        var (saleId, user) = await LiveSaleAsync();
        var body = SaleJson.Claim(user);
        body["note"] = new string('x', 16 * 1024);

        await ProblemAssert.HasAsync(await PostAsync(saleId, body, chunked), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertNothingChangedAsync(saleId, user);
    }

    private async Task<(string SaleId, string User)> LiveSaleAsync() =>
        ((await app.Admin.LiveSaleAsync(Stock, PerUserLimit)).SaleId, Unique.User());

    private static string ClaimsPath(string saleId) => $"/sales/{saleId}/claims";

    private async Task AssertNothingChangedAsync(string saleId, string user)
    {
        await Untouched.AssertCountsAsync(app, saleId, remaining: Stock, admitted: 0);
        await Untouched.AssertFirstClaimAdmittedAsync(app, saleId, user);
        await Untouched.AssertCountsAsync(app, saleId, remaining: Stock - 1, admitted: 1);
    }

    private async Task<HttpResponseMessage> PostAsync(string saleId, JsonObject body, bool chunked = false)
    {
        if (!chunked) return await app.Storefront.PostRawAsync(ClaimsPath(saleId), body.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, ClaimsPath(saleId))
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body.ToJsonString()))),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        return await app.Storefront.Http.SendAsync(request);
    }
}
