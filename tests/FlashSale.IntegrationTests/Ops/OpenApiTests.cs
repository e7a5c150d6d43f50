using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>/openapi/v1.json documents every endpoint of the contract, as a client generator needs it.</summary>
[Collection(ServiceCollection.Name)]
public sealed class OpenApiTests(ServiceFixture app)
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonDocument> DocumentAsync() => JsonDocument.Parse(await app.Storefront.Http.GetStringAsync("/openapi/v1.json"));

    [Fact]
    public async Task The_document_lists_every_contract_endpoint_with_its_json_bodies()
    {
        using var doc = await DocumentAsync();
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

    [Fact]
    public async Task Every_operation_has_a_unique_id_a_summary_and_says_which_key_it_needs()
    {
        using var doc = await DocumentAsync();
        var schemes = doc.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("admin").GetProperty("scheme").GetString());
        Assert.Equal("bearer", schemes.GetProperty("storefront").GetProperty("scheme").GetString());
        var ids = new List<string>();
        foreach (var (path, method, operation) in Operations(doc))
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            Assert.True(operation.TryGetProperty("operationId", out var id), $"{where} has no operationId");
            ids.Add(id.GetString()!);
            Assert.True(operation.TryGetProperty("summary", out _), $"{where} has no summary");
            Assert.True(operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 1, $"{where} says nothing of its key");
            var expected = path.StartsWith("/admin/", StringComparison.Ordinal) ? "admin" : null;
            if (expected is not null) Assert.True(security[0].TryGetProperty(expected, out _), $"{where} does not ask for the {expected} key");
        }
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Superset(new HashSet<string> { "createSale", "preloadSale", "claim", "getClaim", "checkout", "releaseClaim", "joinQueue", "pollQueue" }, ids.ToHashSet());
    }

    [Fact]
    public async Task Every_path_parameter_is_declared_and_the_claim_takes_its_admission_header()
    {
        using var doc = await DocumentAsync();
        foreach (var (path, method, operation) in Operations(doc))
        {
            var declared = operation.TryGetProperty("parameters", out var ps)
                ? ps.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path").Select(p => p.GetProperty("name").GetString()).ToHashSet()
                : [];
            foreach (var name in path.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}')))
                Assert.True(declared.Contains(name), $"{method.ToUpperInvariant()} {path} does not declare {{{name}}}");
        }
        var claim = doc.RootElement.GetProperty("paths").GetProperty("/sales/{saleId}/claims").GetProperty("post");
        Assert.Contains(claim.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "FlashSale-Admission");
        var create = doc.RootElement.GetProperty("paths").GetProperty("/admin/sales").GetProperty("post");
        Assert.Contains(create.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
    }

    [Fact]
    public async Task A_claims_409_names_its_codes_and_every_problem_code_is_one_of_the_contracts()
    {
        using var doc = await DocumentAsync();
        var all = doc.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("ProblemCode").GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "sold_out", "sale_paused", "hold_expired", "admission_required", "idempotency_key_reused", "rate_limited" }, all);
        foreach (var (path, method, operation) in Operations(doc))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                // Readiness answers 503 with what is down, the waiting page with HTML: the two answers that are no problem.
                if (!response.Value.GetProperty("content").TryGetProperty("application/problem+json", out _))
                {
                    Assert.Contains(path, (string[])["/readyz", "/sales/{saleId}/wait"]);
                    continue;
                }
                var codes = CodesOf(response.Value);
                Assert.True(codes.Count > 0, $"{method.ToUpperInvariant()} {path} {response.Name} names no code");
                Assert.Subset(all, codes);
            }
        }
        var conflict = doc.RootElement.GetProperty("paths").GetProperty("/sales/{saleId}/claims").GetProperty("post").GetProperty("responses").GetProperty("409");
        Assert.Equal(new HashSet<string?> { "sale_not_started", "sale_ended", "sale_paused", "sold_out" }, CodesOf(conflict));
    }

    private static HashSet<string?> CodesOf(JsonElement response) =>
        response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("allOf")[1]
            .GetProperty("properties").GetProperty("code").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToHashSet();

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonDocument doc) =>
        from path in doc.RootElement.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        where Methods.Contains(method.Name)
        select (path.Name, method.Name, method.Value);
}
