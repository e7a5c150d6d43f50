using System.Net;
using System.Text;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>
/// Ten thousand random and mutated bodies: only the contract's status codes, every error a problem+json
/// with a code, and nothing changes but what accepted claims took.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ClaimFuzzTests(ServiceFixture app)
{
    private static readonly string[] ContractCodes =
    [
        "invalid_request", "unauthorized", "forbidden", "sale_not_found", "claim_not_found", "sale_not_started", "sale_ended",
        "sale_paused", "sold_out", "invalid_transition", "payload_too_large", "idempotency_key_reused", "rate_limited",
        "overloaded", "dependency_unavailable",
    ];

    [Fact]
    public async Task Ten_thousand_hostile_bodies_against_a_paused_sale_change_nothing()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 50);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "pause")).StatusCode);

        var statuses = await FireAsync(sale.SaleId, seed: 20261124, count: 10_000);

        Assert.DoesNotContain(HttpStatusCode.Accepted, statuses.Keys);
        Assert.DoesNotContain(HttpStatusCode.OK, statuses.Keys);
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((50, 0), (counts.Remaining, counts.Admitted));
        Assert.Empty((await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims);
    }

    [Fact]
    public async Task Hostile_bodies_against_a_live_sale_take_stock_only_through_accepted_claims()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 100, perUserLimit: 2);

        var statuses = await FireAsync(sale.SaleId, seed: 7, count: 3_000);

        var accepted = statuses.GetValueOrDefault(HttpStatusCode.Accepted);
        Assert.True(accepted > 0, "some valid bodies were admitted");
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.Count == accepted,
            TimeSpan.FromSeconds(60), "every accepted claim is recorded");
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.All(c => FlashSale.Core.ClaimStatus.IsTerminal(c.Status)),
            TimeSpan.FromSeconds(60), "every accepted claim settles");
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal(accepted, ledger.Claims.Count);
    }

    private async Task<Dictionary<HttpStatusCode, int>> FireAsync(string saleId, int seed, int count)
    {
        var fuzzer = new ClaimBodyFuzzer(seed);
        var bodies = Enumerable.Range(0, count).Select(_ => fuzzer.Next()).ToArray();
        var statuses = new Dictionary<HttpStatusCode, int>();
        var failures = new List<string>();
        await Parallel.ForEachAsync(bodies, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (b, ct) =>
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(b.Body));
            if (b.ContentType != "") content.Headers.TryAddWithoutValidation("Content-Type", b.ContentType);
            using var response = await app.Storefront.Http.PostAsync($"/sales/{saleId}/claims", content, ct);
            var problem = await CheckAsync(response);
            lock (statuses)
            {
                statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
                if (problem is not null) failures.Add($"{problem} for body {b.Body[..Math.Min(b.Body.Length, 120)]}");
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        return statuses;
    }

    private static async Task<string?> CheckAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status is 200 or 202) return null;
        if (status is not (400 or 404 or 409 or 413 or 429 or 503)) return $"status {status} is not in the contract";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return $"status {status} without problem+json";
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var code = json.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        return code is not null && ContractCodes.Contains(code) ? null : $"status {status} with code '{code}'";
    }
}
