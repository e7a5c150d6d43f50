using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FlashSale.Service.OpenApi;

/// <summary>The examples of CONTRACT.md, on the operations they show: what a generated client's docs and a mock server show.</summary>
internal static class ContractExamples
{
    private const string SaleId = "sale_019ad4c1e2b37c5a8f0d6e4b2a1c9f37";
    private const string ClaimId = "clm_019ad4c2a7d14e8bb3f95c0e6d2a8b41";

    private static readonly Dictionary<string, (string? Request, Dictionary<string, string> Responses)> ByOperation = new()
    {
        ["createSale"] = ("""
            { "sku": "SKU-42", "name": "Limited sneaker", "stock": 1000, "priceCents": 12900, "currency": "usd",
              "startsAt": "2026-12-01T18:00:00Z", "endsAt": "2026-12-01T18:30:00Z", "perUserLimit": 1 }
            """, []),
        ["getSale"] = (null, new()
        {
            ["200"] = $$"""
                { "saleId": "{{SaleId}}", "sku": "SKU-42", "name": "Limited sneaker", "stock": 1000, "priceCents": 12900,
                  "currency": "usd", "startsAt": "2026-12-01T18:00:00Z", "endsAt": "2026-12-01T18:30:00Z", "perUserLimit": 1,
                  "status": "live", "checkout": "immediate", "holdSeconds": 600, "maxPaymentAttempts": 3,
                  "waitingRoom": { "enabled": false, "prequeueMinutes": 10, "outflowPerMinute": 60000, "tokenSeconds": 120 },
                  "counts": { "stock": 1000, "remaining": 12, "admitted": 988, "confirmed": 980, "paid": 975, "paymentFailed": 5,
                              "released": 5, "rejected": 0, "inFlight": 8, "sold": 983 } }
                """,
        }),
        ["claim"] = ("""{ "userId": "u-123", "quantity": 1, "paymentMethodId": "pm_card_visa" }""", new()
        {
            ["202"] = $$"""{ "claimId": "{{ClaimId}}", "status": "admitted", "statusUrl": "/sales/{{SaleId}}/claims/{{ClaimId}}" }""",
            ["200"] = $$"""{ "claimId": "{{ClaimId}}", "status": "paid", "statusUrl": "/sales/{{SaleId}}/claims/{{ClaimId}}" }""",
        }),
        ["getClaim"] = (null, new()
        {
            ["200"] = $$"""
                { "claimId": "{{ClaimId}}", "saleId": "{{SaleId}}", "userId": "u-123", "quantity": 1, "status": "paid",
                  "orderId": "ord_{{ClaimId}}", "updatedAt": "2026-12-01T18:00:01.234Z" }
                """,
        }),
        ["checkout"] = ("""{ "paymentMethodId": "pm_card_visa" }""", []),
        ["joinQueue"] = ("""{ "userId": "u-123" }""", []),
        ["createWebhook"] = ("""{ "url": "https://merchant.test/hooks", "events": ["claim.paid", "sale.sold_out"] }""", []),
    };

    public static Task AddAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.OperationId is null || !ByOperation.TryGetValue(operation.OperationId, out var examples)) return Task.CompletedTask;
        if (examples.Request is { } request && operation.RequestBody?.Content?.TryGetValue("application/json", out var body) == true)
            body.Example = JsonNode.Parse(request);
        foreach (var (status, example) in examples.Responses)
        {
            if (operation.Responses?.TryGetValue(status, out var response) == true && response.Content?.TryGetValue("application/json", out var content) == true)
                content.Example = JsonNode.Parse(example);
        }
        return Task.CompletedTask;
    }
}
