using System.Globalization;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Reports;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// The rehearsal tool end to end against the real service: a tiny flash crowd passes with its reports written,
/// and a sale corrupted behind the service's back fails with the exit code of the invariant it breaks.
/// Speed is never asserted here, only the verdict.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class RehearsalSmokeTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task A_small_flash_crowd_passes_and_writes_both_reports_its_results_json_and_csv()
    {
        var dir = Path.Combine(Path.GetTempPath(), "flashsale-results-" + Guid.NewGuid().ToString("N"));
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--users", "300", "--stock", "30", "--arrival-window", "500ms", "--settle", "45s",
            "--threshold", "errors<1%", "--threshold", "p99<30s", "--out", Path.Combine(dir, "r.json"), "--csv", Path.Combine(dir, "t.csv"),
            "--poll-claim", "1s");

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.StartsWith("PASS", result.Verdict);
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        Assert.Equal(5, result.Audit.Invariants.Count);
        Assert.Equal(2, result.Thresholds.Count);
        Assert.True(result.Figures!.Count(Outcome.Admitted) >= 30, "the whole stock was admitted at least once");
        Assert.True(result.Figures.Count(Outcome.SoldOut) > 0, "the crowd outnumbers the stock");
        Assert.Equal(30, result.Audit.Counts!.Paid + result.Audit.Counts.Remaining);
        Assert.Contains("invariant 4 stock_conserved", console);

        var markdown = await File.ReadAllTextAsync(result.MarkdownPath!);
        Assert.Contains("# FlashSale rehearsal: PASS (exit code 0)", markdown);
        Assert.Contains("| admitted |", markdown);
        Assert.Contains("never_oversold", markdown);
        foreach (var chart in new[] { "latency", "throughput", "stock", "histogram" })
            Assert.True(File.Exists(result.MarkdownPath!.Replace(".md", $"-{chart}.png")), $"{chart} chart beside the Markdown");
        var html = await File.ReadAllTextAsync(result.HtmlPath!);
        // The tool's four charts, and three of the service's own /metrics, scraped during the run.
        foreach (var chart in new[] { "service-queue-stock", "service-payments", "service-admit-latency" })
            Assert.True(File.Exists(result.MarkdownPath!.Replace(".md", $"-{chart}.png")), $"{chart} chart beside the Markdown");
        Assert.Equal(7, html.Split("src=\"data:image/png;base64,").Length - 1);
        Assert.Contains("The service's metrics (its /metrics, once a second)", html);
        Assert.Contains("PASS (exit code 0)", html);

        // The documented fields of docs/rehearsal-results.md, read back as any CI script would.
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "r.json")));
        var root = json.RootElement;
        Assert.Equal(ResultsDocument.SchemaName, root.GetProperty("schema").GetString());
        Assert.Equal(0, root.GetProperty("verdict").GetProperty("exitCode").GetInt32());
        Assert.Equal(result.Figures.Sent, root.GetProperty("requests").GetProperty("sent").GetInt64());
        Assert.Equal(result.Figures.Answered, root.GetProperty("requests").GetProperty("answered").GetInt64());
        Assert.True(root.GetProperty("latency").GetProperty("admitted").GetProperty("p99Ms").GetDouble() > 0);
        Assert.Equal(["never_oversold", "one_claim_per_user", "nothing_lost", "stock_conserved", "payments_consistent"],
            root.GetProperty("invariants").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.All(root.GetProperty("invariants").EnumerateArray(), i => Assert.True(i.GetProperty("passed").GetBoolean()));
        Assert.Equal(["errors<1%", "p99<30s"], root.GetProperty("thresholds").EnumerateArray().Select(t => t.GetProperty("expression").GetString()));
        Assert.True(root.GetProperty("service").GetProperty("scrapes").GetInt32() > 0, "the service's /metrics were read");
        Assert.Contains(root.GetProperty("service").GetProperty("samples").EnumerateArray(), x => x.GetProperty("stockRemaining").ValueKind == JsonValueKind.Number);
        Assert.False(root.GetProperty("generator").GetProperty("saturated").GetBoolean());
        Assert.True(root.GetProperty("generator").GetProperty("cpuMicrosPerRequest").GetDouble() > 0);
        // Every winner polled their claim to its end (--poll-claim): each paid claim was seen paid.
        Assert.Equal(result.Audit.FinalStatuses.GetValueOrDefault("paid"), root.GetProperty("buyers").GetProperty("clickToPaid").GetProperty("count").GetInt64());
        var csv = await File.ReadAllLinesAsync(Path.Combine(dir, "t.csv"));
        Assert.StartsWith("atSeconds,intervalSeconds,admitted,", csv[0]);
        Assert.Equal(root.GetProperty("timeline").GetArrayLength() + 1, csv.Length);
        Assert.Equal(result.Figures.Count(Outcome.Admitted), csv.Skip(1).Sum(l => long.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_generator_past_its_send_lag_limit_says_so_with_its_own_exit_code_and_the_audit_still_runs()
    {
        var json = Path.Combine(Path.GetTempPath(), $"flashsale-saturated-{Guid.NewGuid():N}.json");
        // No send is ever on time to the microsecond: a 0 ms limit is a generator that cannot keep up, whatever the machine.
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--users", "100", "--stock", "10", "--arrival-window", "300ms", "--settle", "45s", "--max-send-lag", "0ms", "--out", json);

        Assert.Equal(ExitCodes.GeneratorSaturated, result.ExitCode);
        Assert.StartsWith("INCONCLUSIVE", result.Verdict);
        Assert.Contains("THE GENERATOR WAS THE BOTTLENECK", console);
        Assert.True(result.Generator!.Saturated);
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.True(doc.RootElement.GetProperty("generator").GetProperty("saturated").GetBoolean());
        Assert.Equal(ExitCodes.GeneratorSaturated, doc.RootElement.GetProperty("verdict").GetProperty("exitCode").GetInt32());
        Assert.Contains("INCONCLUSIVE (exit code 11)", await File.ReadAllTextAsync(result.HtmlPath!));
    }

    [Fact]
    public async Task Buyers_of_several_units_each_are_audited_in_units()
    {
        var (result, _) = await RehearsalRun.RunAsync(app, output,
            "--users", "100", "--stock", "60", "--quantity", "3", "--arrival-window", "300ms", "--settle", "45s", "--threshold", "errors<1%");

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        var c = result.Audit!.Counts!;
        Assert.Equal(60, c.Paid + c.Remaining);
        Assert.Equal(0, c.Paid % 3);
        // Every claim known, so the payments were checked exactly, in units.
        Assert.Contains(result.Audit.Invariants.Single(i => i.Number == 5).Checked, rule => rule.StartsWith($"paid count {c.Paid} = units of the polled claims paid {c.Paid}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stock_taken_from_Redis_behind_the_services_back_fails_nothing_lost_and_stock_conservation()
    {
        var sale = await app.Admin.LiveSaleAsync(20);
        // A unit taken as if admitted, with no claim anywhere: the reconciler can neither find a claim to
        // re-queue nor call it drift (admitted units and recorded claims disagree), so the audit must catch it.
        var keys = new SaleKeys(sale.SaleId);
        await app.Redis.StringDecrementAsync(keys.Remaining);
        await app.Redis.HashIncrementAsync(keys.Meta, "admitted");

        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--sale", sale.SaleId, "--users", "100", "--arrival-window", "300ms", "--settle", "15s", "--threshold", "errors<1%");

        // The unit is both unaccounted for (3) and missing from the equation (4); the lowest number is the exit code.
        Assert.Equal(ExitCodes.ClaimLost, result.ExitCode);
        Assert.Contains("invariant 3 nothing_lost broken", result.Verdict);
        Assert.Contains("invariant 4 stock_conserved broken", result.Verdict);
        Assert.DoesNotContain("invariant 1", result.Verdict);
        Assert.Contains("BROKEN", console);
        Assert.Contains("**BROKEN** (exit 23)", await File.ReadAllTextAsync(result.MarkdownPath!));
    }

    [Fact]
    public async Task An_extra_paid_claim_slipped_into_PostgreSQL_fails_never_oversold()
    {
        var sale = await app.Admin.LiveSaleAsync(20);
        await using (var conn = await app.Db.OpenConnectionAsync())
        await using (var insert = conn.CreateCommand())
        {
            var claimId = FlashSale.Core.Ids.NewClaimId();
            insert.CommandText = """
                INSERT INTO claims (claim_id, sale_id, user_id, quantity, payment_method_id, status, order_id, admitted_at)
                VALUES (@claim, @sale, 'intruder', 1, 'pm_card_visa', 'paid', @order, now())
                """;
            insert.Parameters.AddWithValue("claim", claimId);
            insert.Parameters.AddWithValue("sale", sale.SaleId);
            insert.Parameters.AddWithValue("order", FlashSale.Core.Ids.OrderIdFor(claimId));
            await insert.ExecuteNonQueryAsync();
        }

        var (result, _) = await RehearsalRun.RunAsync(app, output,
            "--sale", sale.SaleId, "--users", "100", "--arrival-window", "300ms", "--settle", "45s", "--decline-share", "0");

        Assert.Equal(ExitCodes.Oversold, result.ExitCode);
        Assert.Contains("invariant 1 never_oversold broken", result.Verdict);
        Assert.Contains(result.Audit!.Invariants[0].Broken, b => b.StartsWith("paid 21 ≤ stock 20", StringComparison.Ordinal));
        Assert.True(File.Exists(result.HtmlPath));
    }
}
