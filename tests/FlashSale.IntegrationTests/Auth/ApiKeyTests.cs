using System.Net;
using System.Net.Http.Json;
using System.Text;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Auth;

/// <summary>
/// CONTRACT.md, Auth: a missing or wrong key is 401 <c>unauthorized</c>, a valid key of the other role 403
/// <c>forbidden</c>, and neither changes anything.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ApiKeyTests(ServiceFixture app)
{
    private readonly HttpClient _anonymous = app.NewClient(null).Http;

    private static readonly string[] Admin =
    [
        "GET /admin/sales",
        "POST /admin/sales",
        "GET /admin/sales/{sale}",
        "POST /admin/sales/{sale}/preload",
        "POST /admin/sales/{sale}/pause",
        "POST /admin/sales/{sale}/resume",
        "POST /admin/sales/{sale}/close",
    ];

    private static readonly string[] Storefront =
    [
        "GET /sales/{sale}",
        "POST /sales/{sale}/claims",
        "GET /sales/{sale}/claims/{claim}",
    ];

    public static TheoryData<string> AdminEndpoints => new(Admin);

    public static TheoryData<string> StorefrontEndpoints => new(Storefront);

    /// <summary>
    /// What a caller without a valid key may send: nothing, another scheme, a near miss, the Development defaults.
    /// (Basic with the key as password is valid: it is how a browser opens /admin/ui; a wrong password is not.)
    /// </summary>
    public static TheoryData<string?> NotAKey => new()
    {
        null,
        "Bearer",
        "Bearer ",
        "Bearer wrong-key-0123456789abcdef",
        "Bearer " + ServiceFixture.AdminKey[..^1],
        "Bearer " + ServiceFixture.AdminKey + "x",
        "Bearer dev-admin-key",
        "Bearer dev-storefront-key",
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + ServiceFixture.AdminKey[..^1])),
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ServiceFixture.AdminKey)),
        "Basic not-base64!",
        ServiceFixture.AdminKey,
    };

    [Theory]
    [MemberData(nameof(NotAKey))]
    public async Task Without_a_valid_key_every_endpoint_is_401(string? authorization)
    {
        var (saleId, claimId) = await SaleWithClaimAsync();
        foreach (var endpoint in Admin.Concat(Storefront))
        {
            var response = await SendAsync(endpoint, saleId, claimId, authorization);
            var problem = await ProblemAssert.HasAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.DoesNotContain(ServiceFixture.AdminKey, problem.Detail ?? "");
        }
        await AssertLiveAndUntouchedAsync(saleId);
    }

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task The_storefront_key_on_an_admin_endpoint_is_403(string endpoint)
    {
        var (saleId, claimId) = await SaleWithClaimAsync();

        var response = await SendAsync(endpoint, saleId, claimId, "Bearer " + ServiceFixture.StorefrontKey);

        await ProblemAssert.HasAsync(response, HttpStatusCode.Forbidden, "forbidden");
        await AssertLiveAndUntouchedAsync(saleId);
    }

    [Theory]
    [MemberData(nameof(StorefrontEndpoints))]
    public async Task The_admin_key_on_a_storefront_endpoint_is_403(string endpoint)
    {
        var (saleId, claimId) = await SaleWithClaimAsync();

        var response = await SendAsync(endpoint, saleId, claimId, "Bearer " + ServiceFixture.AdminKey);

        await ProblemAssert.HasAsync(response, HttpStatusCode.Forbidden, "forbidden");
        await AssertLiveAndUntouchedAsync(saleId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key-0123456789abcdef")]
    [InlineData("Bearer " + ServiceFixture.StorefrontKey)]
    public async Task A_refused_create_creates_no_sale(string? authorization)
    {
        var (sku, name) = (Unique.Sku(), Unique.Name());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/sales")
        {
            Content = new StringContent(SaleJson.Sale(sku, name).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await Anonymous().SendAsync(request);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        Assert.Equal(ProblemAssert.MediaType, response.Content.Headers.ContentType?.MediaType);
        await Untouched.AssertNoSaleAsync(app, sku, name);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key-0123456789abcdef")]
    [InlineData("Bearer " + ServiceFixture.AdminKey)]
    public async Task A_refused_claim_takes_no_stock_and_leaves_the_user_without_a_claim(string? authorization)
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3);
        var user = Unique.User();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sales/{sale.SaleId}/claims")
        {
            Content = new StringContent(SaleJson.Claim(user).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

        var response = await Anonymous().SendAsync(request);

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        await Untouched.AssertCountsAsync(app, sale.SaleId, remaining: 3, admitted: 0);
        await Untouched.AssertFirstClaimAdmittedAsync(app, sale.SaleId, user);
    }

    [Fact]
    public async Task The_401_challenges_for_a_bearer_token()
    {
        var response = await Anonymous().GetAsync("/admin/sales");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Healthz_needs_no_key()
    {
        var response = await Anonymous().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Each_key_works_on_its_own_endpoints()
    {
        var (saleId, claimId) = await SaleWithClaimAsync();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET /admin/sales/{sale}", saleId, claimId, "Bearer " + ServiceFixture.AdminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET /sales/{sale}", saleId, claimId, "Bearer " + ServiceFixture.StorefrontKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET /sales/{sale}/claims/{claim}", saleId, claimId, "Bearer " + ServiceFixture.StorefrontKey)).StatusCode);
    }

    /// <summary>A live sale with stock 5 and one claim (quantity 1) on it.</summary>
    private async Task<(string SaleId, string ClaimId)> SaleWithClaimAsync()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        var response = await app.Storefront.ClaimAsync(sale.SaleId, Unique.User());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!;
        return (sale.SaleId, accepted.ClaimId);
    }

    /// <summary>Still live (no refused pause or close took effect), nothing more taken than the one claim.</summary>
    private async Task AssertLiveAndUntouchedAsync(string saleId)
    {
        var sale = await app.Admin.GetSaleAsync(saleId);
        Assert.Equal("live", sale.Status);
        Assert.Equal((4, 1), (sale.Counts!.Remaining, sale.Counts.Admitted));
    }

    private HttpClient Anonymous() => _anonymous;

    private async Task<HttpResponseMessage> SendAsync(string endpoint, string saleId, string claimId, string? authorization)
    {
        var (method, path) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1].Replace("{sale}", saleId).Replace("{claim}", claimId));
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (path == "/admin/sales" && method == "POST")
            request.Content = new StringContent(SaleJson.Sale(Unique.Sku(), Unique.Name()).ToJsonString(), Encoding.UTF8, "application/json");
        else if (path.EndsWith("/claims", StringComparison.Ordinal))
            request.Content = new StringContent(SaleJson.Claim(Unique.User()).ToJsonString(), Encoding.UTF8, "application/json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await Anonymous().SendAsync(request);
    }
}
