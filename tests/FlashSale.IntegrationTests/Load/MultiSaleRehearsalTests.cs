using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// <c>--sales N</c>: one crowd on several sales alike, each buyer on <c>--sales-per-buyer</c> of them; every invariant is
/// checked on each sale and named with it, and the report and results.json give each sale's figures beside the totals.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class MultiSaleRehearsalTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task Three_sales_each_buyer_on_two_are_audited_one_by_one_and_reported_each_and_together()
    {
        var json = Path.Combine(Path.GetTempPath(), $"flashsale-sales-{Guid.NewGuid():N}.json");
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--sales", "3", "--sales-per-buyer", "2", "--users", "300", "--stock", "20", "--arrival-window", "1s", "--settle", "45s",
            "--threshold", "errors<1%", "--threshold", "p99<30s", "--out", json);

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        var sales = result.Sales!;
        Assert.Equal(3, sales.Count);
        Assert.Equal(3, sales.Select(s => s.SaleId).Distinct().Count());
        // Every invariant on every sale, each named with its sale.
        Assert.Equal(15, result.Audit!.Invariants.Count);
        Assert.All(sales, s => Assert.Equal([1, 2, 3, 4, 5], result.Audit.Invariants.Where(i => i.SaleId == s.SaleId).Select(i => i.Number)));
        Assert.All(result.Audit.Invariants, i => Assert.True(i.Passed, $"{i.Label}: {string.Join("; ", i.Broken)}"));
        // 300 buyers on two sales each: 200 buyers a sale, ten times its stock, so each sells out and is conserved.
        Assert.All(sales, s => Assert.Equal(20, s.Counts!.Paid + s.Counts.Remaining));
        Assert.All(sales, s => Assert.True(s.Outcomes[Outcome.SoldOut] > 0, $"{s.SaleId} sold out"));
        Assert.True(result.Figures!.Sent >= 600, $"{result.Figures.Sent} claims sent, at least two a buyer");
        // The sales' lines add up to the run's totals.
        foreach (var outcome in Outcomes.All) Assert.Equal(result.Figures.Count(outcome), sales.Sum(s => s.Outcomes[outcome]));
        Assert.Equal(result.Figures.Answered, sales.Sum(s => s.Latency.TotalCount));
        Assert.Equal(sales.Sum(s => s.Counts!.Paid), result.Audit.Counts!.Paid);
        Assert.Equal(60, result.Audit.Counts.Stock);

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("run").GetProperty("saleIds").GetArrayLength());
        Assert.Equal(2, root.GetProperty("run").GetProperty("salesPerBuyer").GetInt32());
        Assert.Equal(60, root.GetProperty("run").GetProperty("stock").GetInt32());
        var perSale = root.GetProperty("sales").EnumerateArray().ToList();
        Assert.Equal(3, perSale.Count);
        Assert.All(perSale, s => Assert.True(s.GetProperty("passed").GetBoolean()));
        Assert.Equal(result.Figures.Count(Outcome.Admitted), perSale.Sum(s => s.GetProperty("outcomes").GetProperty("admitted").GetInt64()));
        Assert.All(root.GetProperty("invariants").EnumerateArray(), i => Assert.StartsWith("sale", i.GetProperty("saleId").GetString()));
        Assert.Contains($"invariant 4 stock_conserved on {sales[1].SaleId}", console);
        var markdown = await File.ReadAllTextAsync(result.MarkdownPath!);
        Assert.Contains("## Sales (each audited on its own, then all together)", markdown);
        Assert.Contains("| all 3 | 60 |", markdown);
    }

    [Fact]
    public async Task A_sale_corrupted_behind_the_services_back_fails_its_own_invariants_named_with_it_and_not_the_others()
    {
        using var admin = new HttpClient { BaseAddress = app.Admin.Http.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", ServiceFixture.AdminKey);
        var before = (await ListAsync(admin)).Select(s => s.SaleId).ToHashSet();
        var run = RehearsalRun.RunAsync(app, output,
            "--sales", "2", "--users", "400", "--stock", "20", "--arrival-window", "4s", "--settle", "15s", "--threshold", "errors<1%");

        // As soon as both sales are preloaded, a unit of one is taken as if admitted, with no claim anywhere.
        string? corrupted = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (corrupted is null && !run.IsCompleted)
        {
            var created = (await ListAsync(admin)).Where(s => !before.Contains(s.SaleId)).ToList();
            if (created.Count == 2 && created.All(s => s.Status is "preloaded" or "live"))
            {
                corrupted = created[0].SaleId;
                var keys = new SaleKeys(corrupted);
                await app.Redis.StringDecrementAsync(keys.Remaining);
                await app.Redis.HashIncrementAsync(keys.Meta, "admitted");
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
        var (result, _) = await run;

        Assert.NotNull(corrupted);
        Assert.Equal(ExitCodes.ClaimLost, result.ExitCode);
        Assert.Contains($"invariant 3 nothing_lost on {corrupted} broken", result.Verdict);
        Assert.Contains($"invariant 4 stock_conserved on {corrupted} broken", result.Verdict);
        var other = result.Sales!.Single(s => s.SaleId != corrupted);
        Assert.True(other.Passed, string.Join("; ", other.Invariants.SelectMany(i => i.Broken)));
        Assert.DoesNotContain(other.SaleId, result.Verdict);
        Assert.False(result.Sales!.Single(s => s.SaleId == corrupted).Passed);
    }

    [Fact]
    public void Several_sales_refuse_what_cannot_spread_over_them()
    {
        Assert.Null(RehearsalCommand.Parse(["--sales", "2", "--sales-per-buyer", "3"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--sales", "2", "--sale", "sale_x"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--sales", "2", "--waiting-room"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--sales", "0"]).Options);
        var o = RehearsalCommand.Parse(["--sales", "3", "--sales-per-buyer", "2"]).Options!;
        Assert.Equal((3, 2), (o.Sales, o.SalesPerBuyer));
        var buyers = new FlashSale.Load.Traffic.Buyers(o, "t");
        Assert.Equal([1, 2], buyers.SalesOf(1, 3));
        Assert.Equal([2, 0], buyers.SalesOf(5, 3));
    }

    private sealed record Listed(string SaleId, string Status);

    private static async Task<Listed[]> ListAsync(HttpClient admin) =>
        await admin.GetFromJsonAsync<Listed[]>("admin/sales?limit=1000", FlashSaleClient.Json) ?? [];
}
