using System.Net;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>Headers are input too: a caller's correlation id is echoed only when it is a plain token, and oversized headers are refused early.</summary>
[Collection(ServiceCollection.Name)]
public sealed class HostileHeaderTests(ServiceFixture app)
{
    [Fact]
    public async Task A_plain_correlation_id_is_echoed_and_any_other_is_replaced_by_ours()
    {
        Assert.Equal("order-42.retry:1", await CorrelationIdFor("order-42.retry:1"));
        foreach (var hostile in new[] { new string('a', 65), "<script>alert(1)</script>", "a b", "id;drop", "a/../b" })
        {
            var echoed = await CorrelationIdFor(hostile);
            Assert.NotEqual(hostile, echoed);
            Assert.Matches("^[A-Za-z0-9._:-]{1,64}$", echoed);
        }
    }

    [Fact]
    public async Task A_request_with_a_huge_header_is_refused_before_it_reaches_the_sale()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/sales/{sale.SaleId}/claims")
        {
            Content = new StringContent("{\"userId\":\"huge-header\",\"quantity\":1,\"paymentMethodId\":\"pm_card_visa\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Filler", new string('x', 64 * 1024));
        var response = await app.Storefront.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((3, 0), (counts.Remaining, counts.Admitted));
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "huge-header")).StatusCode);
    }

    private async Task<string> CorrelationIdFor(string value)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.TryAddWithoutValidation("X-Correlation-Id", value);
        var response = await app.Storefront.Http.SendAsync(request);
        return response.Headers.GetValues("X-Correlation-Id").Single();
    }
}
