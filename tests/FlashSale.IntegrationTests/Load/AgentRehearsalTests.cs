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

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
