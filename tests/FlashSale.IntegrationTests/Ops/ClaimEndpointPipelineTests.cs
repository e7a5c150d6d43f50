using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>
/// The claim endpoint skips the middleware pipeline (docs/performance.md) and does its work itself: every
/// answer echoes the correlation id and is counted in the HTTP series, and a 202 is the same answer as before.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ClaimEndpointPipelineTests(ServiceFixture app)
{
    private const string Series = "http_requests_received_total{{code=\"{0}\",method=\"POST\",controller=\"\",action=\"\",endpoint=\"/sales/{{saleId}}/claims\"}}";

    [Fact]
    public async Task Every_claim_answer_echoes_the_correlation_id_and_a_hostile_one_is_replaced()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        var admitted = await ClaimAsync(sale.SaleId, "corr-1", "order-42.retry:1", ServiceFixture.StorefrontKey);
        var soldOut = await ClaimAsync(sale.SaleId, "corr-2", "order-43", ServiceFixture.StorefrontKey);
        var noKey = await ClaimAsync(sale.SaleId, "corr-3", "order-44", null);
        var adminKey = await ClaimAsync(sale.SaleId, "corr-4", "order-45", ServiceFixture.AdminKey);
        var hostile = await ClaimAsync(sale.SaleId, "corr-5", "<script>", ServiceFixture.StorefrontKey);

        Assert.Equal(
            [(HttpStatusCode.Accepted, "order-42.retry:1"), (HttpStatusCode.Conflict, "order-43"), (HttpStatusCode.Unauthorized, "order-44"), (HttpStatusCode.Forbidden, "order-45")],
            new[] { admitted, soldOut, noKey, adminKey }.Select(r => (r.StatusCode, r.Headers.GetValues("X-Correlation-Id").Single())));
        Assert.Equal("Bearer", noKey.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Matches("^[A-Za-z0-9._:-]{1,64}$", hostile.Headers.GetValues("X-Correlation-Id").Single());
        Assert.NotEqual("<script>", hostile.Headers.GetValues("X-Correlation-Id").Single());
    }

    [Fact]
    public async Task An_admission_is_answered_with_its_status_url_in_location_and_body_and_a_content_length()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1);

        var response = await app.Storefront.ClaimAsync(sale.SaleId, "shape-1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        var claim = (await response.Content.ReadFromJsonAsync<ClaimAccepted>())!;
        Assert.Equal($"{{\"claimId\":\"{claim.ClaimId}\",\"status\":\"admitted\",\"statusUrl\":\"/sales/{sale.SaleId}/claims/{claim.ClaimId}\"}}", body);
        Assert.Equal(claim.StatusUrl, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Claim_answers_are_counted_in_the_http_series_by_status_code()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 1);
        var before = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await ClaimAsync(sale.SaleId, "count-1", null, ServiceFixture.StorefrontKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ClaimAsync(sale.SaleId, "count-2", null, ServiceFixture.StorefrontKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClaimAsync(sale.SaleId, "count-3", null, null)).StatusCode);

        var after = await ScrapeAsync();
        foreach (var code in new[] { 202, 409, 401 })
        {
            var name = string.Format(CultureInfo.InvariantCulture, Series, code);
            Assert.True(after.GetValueOrDefault(name) >= before.GetValueOrDefault(name) + 1, name);
        }
    }

    private async Task<HttpResponseMessage> ClaimAsync(string saleId, string userId, string? correlationId, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sales/{saleId}/claims")
        {
            Content = JsonContent.Create(new { userId, quantity = 1, paymentMethodId = "pm_card_visa" }),
        };
        if (correlationId is not null) request.Headers.TryAddWithoutValidation("X-Correlation-Id", correlationId);
        if (key is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        return await app.NewClient(null).Http.SendAsync(request);
    }

    private Task<Dictionary<string, double>> ScrapeAsync() => MetricsScrape.ScrapeAsync(app.Storefront.Http);
}
