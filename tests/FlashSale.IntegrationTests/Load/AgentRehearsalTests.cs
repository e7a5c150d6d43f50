using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Agents;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// <c>--agents</c>: two agents on loopback (the same tool, <c>agent --listen</c>) each send a share of the crowd and
/// stream their HdrHistogram interval logs; the coordinator merges them, checks the merge is the union of the agents'
/// own totals, and runs one audit and one report, which judge the sale as a single process would.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class AgentRehearsalTests(ServiceFixture app, ITestOutputHelper output)
{
    private static readonly string[] Crowd = ["--users", "400", "--stock", "40", "--arrival-window", "1s", "--settle", "45s",
        "--threshold", "errors<1%", "--threshold", "p99<30s"];

    [Fact]
    public async Task Two_agents_on_loopback_make_one_crowd_one_merged_report_and_one_audit_as_a_single_process_would()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var logs = new[] { new StringWriter(), new StringWriter() };
        var ports = new[] { FreePort(), FreePort() };
        var agents = ports.Select((port, i) => Task.Run(() => AgentServer.RunAsync($"127.0.0.1:{port}", TextWriter.Synchronized(logs[i]), stop.Token))).ToArray();
        var json = Path.Combine(Path.GetTempPath(), $"flashsale-agents-{Guid.NewGuid():N}.json");
        try
        {
            var (merged, console) = await RehearsalRun.RunAsync(app, output,
                [.. Crowd, "--agents", string.Join(",", ports.Select(p => $"127.0.0.1:{p}")), "--out", json]);
            var (single, _) = await RehearsalRun.RunAsync(app, output, Crowd);

            Assert.True(merged.ExitCode == ExitCodes.Passed, merged.Verdict);
            Assert.Contains("merged histograms = the union of theirs (checked)", console);
            var report = merged.Agents!;
            Assert.True(report.UnionHolds, string.Join("; ", report.Problems));
            Assert.Equal(2, report.Agents.Count);
            // Buyer n is agent n mod 2's: 200 buyers each, each clicking at least once.
            Assert.All(report.Agents, a => Assert.True(a.Sent >= 200, $"agent {a.Address} sent {a.Sent}, its share is 200 buyers"));
            // Each buyer is one agent's: the shares add up to the crowd, and every answer reached the one report.
            Assert.Equal(merged.Figures!.Sent, report.Agents.Sum(a => a.Sent));
            Assert.Equal(merged.Figures.Answered, report.Agents.Sum(a => a.Answered));

            // One audit, as a single process's: the same invariants, all holding, on the same kind of sale.
            Assert.Equal(single.Audit!.Invariants.Select(i => (i.Number, i.Name, i.Passed)), merged.Audit!.Invariants.Select(i => (i.Number, i.Name, i.Passed)));
            Assert.Equal(40, merged.Audit.Counts!.Paid + merged.Audit.Counts.Remaining);
            Assert.Equal(merged.Audit.ClaimsAdmitted, merged.Figures.Count(Outcome.Admitted));

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            Assert.True(doc.RootElement.GetProperty("agents").GetProperty("mergedIsUnion").GetBoolean());
            Assert.Equal(2, doc.RootElement.GetProperty("agents").GetProperty("agents").GetArrayLength());
            Assert.Contains("Agents (one crowd, one audit)", await File.ReadAllTextAsync(merged.HtmlPath!));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(agents);
            foreach (var log in logs) output.WriteLine(log.ToString());
        }
    }

    [Fact]
    public async Task Agents_follow_their_winners_claims_and_count_the_opening_so_the_coordinator_reports_both_for_the_whole_crowd()
    {
        await using var agents = Agents.Start(output);
        var json = Path.Combine(Path.GetTempPath(), $"flashsale-agents-{Guid.NewGuid():N}.json");
        var (result, _) = await RehearsalRun.RunAsync(app, output,
            "--starts-in", "4s", "--users", "300", "--stock", "30", "--arrival-window", "2s", "--early-share", "0.3", "--refresh-every", "500ms",
            "--settle", "45s", "--poll-claim", "250ms", "--threshold", "errors<1%", "--threshold", "p99<30s", "--threshold", "paid.p99<40s",
            "--agents", agents.Addresses, "--out", json);

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.True(result.Agents!.UnionHolds, string.Join("; ", result.Agents.Problems));
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        // Every winner who paid was seen paid by their buyer, whichever agent sent them.
        var paidClaims = result.Audit.FinalStatuses.GetValueOrDefault("paid");
        Assert.True(paidClaims > 0, "some claims were paid");
        Assert.Equal(paidClaims, result.Figures!.ClickToPaid!.TotalCount);
        Assert.True(result.Thresholds.Single(t => t.Threshold.Text == "paid.p99<40s").Measured > 0);

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal(paidClaims, doc.RootElement.GetProperty("buyers").GetProperty("clickToPaid").GetProperty("count").GetInt64());
        // The opening's buckets are the sum of both agents': every admit after T0, within the first 10 s.
        var opening = doc.RootElement.GetProperty("opening").EnumerateArray().ToList();
        Assert.Equal(100, opening.Count);
        Assert.Equal(result.Figures.Count(Outcome.Admitted), opening.Sum(b => b.GetProperty("admitted").GetInt64()));
        Assert.True(opening.Sum(b => b.GetProperty("soldOut").GetInt64()) > 0, "refusals after T0 are in the buckets");
        Assert.DoesNotContain("no buyer saw paid", await File.ReadAllTextAsync(result.MarkdownPath!));
    }

    [Fact]
    public async Task Ctrl_C_at_the_coordinator_stops_every_agents_share_then_the_one_audit_judges_what_happened()
    {
        await using var agents = Agents.Start(output);
        // The agents start 2 s after their jobs; 1,000 buyers over 20 s are well under way, and far from done, at 6 s.
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var (result, _) = await RehearsalRun.RunAsync(app, output, ctrlC.Token,
            "--users", "1000", "--stock", "1000", "--arrival-window", "20s", "--settle", "45s", "--threshold", "errors<1%", "--agents", agents.Addresses);

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.StartsWith("interrupted (Ctrl-C)", result.StoppedEarly);
        Assert.True(result.Agents!.UnionHolds, string.Join("; ", result.Agents.Problems));
        Assert.InRange(result.Figures!.Sent, 1, 999);
        Assert.All(result.Agents.Agents, a => Assert.True(a.Sent < 500, $"agent {a.Address} sent {a.Sent} of its share of 500 buyers"));
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        Assert.Equal(result.Audit.ClaimsAdmitted, result.Audit.Counts!.Admitted);
        Assert.Contains("agent: the coordinator stops run", agents.Log);
        Assert.Contains("STOPPED EARLY", await File.ReadAllTextAsync(result.HtmlPath!));
    }

    [Fact]
    public async Task A_threshold_marked_abort_failing_on_the_merged_figures_stops_every_agent_and_exits_threshold_missed()
    {
        await using var agents = Agents.Start(output);
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--users", "1000", "--stock", "1000", "--arrival-window", "20s", "--settle", "45s",
            "--threshold", "p50<1us:abort", "--threshold", "errors<1%", "--agents", agents.Addresses);

        Assert.Equal(ExitCodes.ThresholdMissed, result.ExitCode);
        Assert.Contains("threshold p50<1us:abort missed", result.StoppedEarly);
        Assert.Contains("ABORTING the crowd", console);
        Assert.True(result.Agents!.UnionHolds, string.Join("; ", result.Agents.Problems));
        Assert.InRange(result.Figures!.Sent, 1, 999);
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        Assert.Equal(result.Audit.ClaimsAdmitted, result.Audit.Counts!.Admitted);
    }

    [Fact]
    public async Task Two_agents_on_two_sales_send_each_sales_answers_and_claims_so_each_sale_is_audited_on_its_own()
    {
        await using var agents = Agents.Start(output);
        var (result, _) = await RehearsalRun.RunAsync(app, output,
            "--sales", "2", "--users", "400", "--stock", "20", "--arrival-window", "1s", "--settle", "45s",
            "--threshold", "errors<1%", "--threshold", "p99<30s", "--agents", agents.Addresses);

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.True(result.Agents!.UnionHolds, string.Join("; ", result.Agents.Problems));
        var sales = result.Sales!;
        Assert.Equal(2, sales.Count);
        Assert.All(sales, s => Assert.True(s.Passed, string.Join("; ", s.Invariants.SelectMany(i => i.Broken))));
        Assert.All(sales, s => Assert.Equal(20, s.Counts!.Paid + s.Counts.Remaining));
        // Each sale's line is the sum of both agents' answers on it, and the lines add up to the merged crowd.
        foreach (var outcome in Outcomes.All) Assert.Equal(result.Figures!.Count(outcome), sales.Sum(s => s.Outcomes[outcome]));
        Assert.All(sales, s => Assert.Equal(s.Outcomes[Outcome.Admitted], result.Audit!.PerSale!.Single(p => p.SaleId == s.SaleId).Audit.ClaimsAdmitted));
    }

    /// <summary>Two agents on loopback ports of their own, stopped and their logs printed when the test is done.</summary>
    private sealed class Agents : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(3));
        private readonly StringWriter[] _logs = [new(), new()];
        private readonly Task[] _tasks;
        private readonly ITestOutputHelper _output;

        private Agents(ITestOutputHelper output)
        {
            _output = output;
            var ports = new[] { FreePort(), FreePort() };
            Addresses = string.Join(",", ports.Select(p => $"127.0.0.1:{p}"));
            _tasks = ports.Select((port, i) => Task.Run(() => AgentServer.RunAsync($"127.0.0.1:{port}", TextWriter.Synchronized(_logs[i]), _stop.Token))).ToArray();
        }

        public static Agents Start(ITestOutputHelper output) => new(output);

        public string Addresses { get; }

        public string Log => string.Join("\n", _logs.Select(l => l.ToString()));

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_tasks);
            _output.WriteLine(Log);
            _stop.Dispose();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
