using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>/openapi/v1.json documents every endpoint of the contract.</summary>
[Collection(ServiceCollection.Name)]
public sealed class OpenApiTests(ServiceFixture app)
{
    [Fact]
    public async Task The_document_lists_every_contract_endpoint_with_its_json_bodies()
    {
        using var doc = JsonDocument.Parse(await app.Storefront.Http.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        string[] expected =
        [
            "/admin/sales", "/admin/sales/{saleId}", "/admin/sales/{saleId}/preload", "/admin/sales/{saleId}/pause",
            "/admin/sales/{saleId}/resume", "/admin/sales/{saleId}/close", "/sales/{saleId}", "/sales/{saleId}/claims",
            "/sales/{saleId}/claims/{claimId}", "/healthz", "/readyz",
        ];
        foreach (var path in expected) Assert.True(paths.TryGetProperty(path, out _), $"{path} is not documented");
        var claimBody = paths.GetProperty("/sales/{saleId}/claims").GetProperty("post").GetProperty("requestBody");
        Assert.True(claimBody.GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(paths.GetProperty("/admin/sales").GetProperty("post").TryGetProperty("requestBody", out _));
    }
}
