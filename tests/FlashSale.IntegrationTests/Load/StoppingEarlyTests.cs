using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Traffic;
using FlashSale.Load.Verdict;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// A crowd stopped before its plan ends, by Ctrl-C or by a threshold marked <c>:abort</c>: no new arrival goes out, the
/// requests in flight finish, and the audit and the report still judge what happened.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class StoppingEarlyTests(ServiceFixture app, ITestOutputHelper output)
{
    // 1,000 buyers over 20 s: well under way, and far from done, when the crowd is stopped.
    private static readonly string[] Crowd = ["--users", "1000", "--stock", "1000", "--arrival-window", "20s", "--settle", "45s"];

    [Fact]
    public async Task Ctrl_C_stops_the_crowd_then_the_audit_judges_what_happened_and_the_report_says_so()
    {
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var (result, _) = await RehearsalRun.RunAsync(app, output, ctrlC.Token, [.. Crowd, "--threshold", "errors<1%"]);

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.StartsWith("interrupted (Ctrl-C)", result.StoppedEarly);
        Assert.InRange(result.Figures!.Sent, 1, 999);
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        Assert.Equal(result.Audit.ClaimsAdmitted, result.Audit.Counts!.Admitted);
        Assert.Contains("STOPPED EARLY", await File.ReadAllTextAsync(result.HtmlPath!));
    }

    [Fact]
    public async Task A_threshold_marked_abort_stops_the_crowd_when_it_fails_and_the_run_exits_threshold_missed()
    {
        // No answer comes back in under a microsecond: the threshold fails at its first check.
        var (result, console) = await RehearsalRun.RunAsync(app, output, [.. Crowd, "--threshold", "p50<1us:abort", "--threshold", "errors<1%"]);

        Assert.Equal(ExitCodes.ThresholdMissed, result.ExitCode);
        Assert.StartsWith("aborted", result.StoppedEarly);
        Assert.Contains("threshold p50<1us:abort missed", result.StoppedEarly);
        Assert.Contains("ABORTING the crowd", console);
        Assert.InRange(result.Figures!.Sent, 1, 999);
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
    }

    [Fact]
    public async Task Ctrl_C_before_the_start_stops_the_waiting_room_crowd_and_the_fairness_audit_waits_for_the_seed_without_failing()
    {
        // 300 buyers joining over 10 s, the sale starting 2 s after the last planned join: stopped among the joins.
        using var ctrlC = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var (result, console) = await RehearsalRun.RunAsync(app, output, ctrlC.Token,
            "--waiting-room", "--users", "300", "--stock", "6", "--outflow", "30", "--arrival-window", "10s", "--start-lead", "2s",
            "--settle", "30s", "--threshold", "errors<1%");

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.StartsWith("interrupted (Ctrl-C)", result.StoppedEarly);
        Assert.InRange(result.Queue!.Joins.TotalCount, 1, 299);
        Assert.Equal(0, result.Figures!.Sent);
        Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        var fairness = result.Audit.Invariants.Single(i => i.Number == 7);
        Assert.Contains(fairness.Checked, rule => rule.Contains("the seed is not revealed yet", StringComparison.Ordinal));
        Assert.Contains("how the waits ended: " + WaitingRoomCrowd.Left, console);
        var html = await File.ReadAllTextAsync(result.HtmlPath!);
        Assert.Contains("STOPPED EARLY", html);
        Assert.Contains("not yet: the crowd was stopped before the start", html);
    }

    [Fact]
    public async Task A_threshold_marked_abort_stops_the_waiting_room_crowd_and_the_audit_judges_the_claims_made()
    {
        // One admission every 2 s: the first claim's answer fails the threshold long before the stock's six are let in.
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--waiting-room", "--users", "40", "--stock", "6", "--outflow", "30", "--arrival-window", "1s", "--start-lead", "2s",
            "--settle", "30s", "--threshold", "p50<1us:abort", "--threshold", "errors<1%");

        Assert.Equal(ExitCodes.ThresholdMissed, result.ExitCode);
        Assert.StartsWith("aborted", result.StoppedEarly);
        Assert.Contains("ABORTING the crowd", console);
        Assert.Equal(40, result.Queue!.Joins.TotalCount);
        Assert.InRange(result.Figures!.Count(Outcome.Admitted), 1, 5);
        Assert.Equal([1, 2, 3, 4, 5, 7], result.Audit!.Invariants.Select(i => i.Number));
        Assert.All(result.Audit.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
        Assert.True(result.Fairness!.Order.Passed, string.Join("; ", result.Fairness.Order.Problems));
        Assert.Equal(result.Figures.Count(Outcome.Admitted), result.Audit.Counts!.Paid);
        Assert.Contains(WaitingRoomCrowd.Left, console);
        Assert.Contains("STOPPED EARLY", await File.ReadAllTextAsync(result.HtmlPath!));
    }

    [Fact]
    public void The_abort_suffix_parses_as_k6s_abortOnFail()
    {
        Assert.True(Threshold.Parse("errors<1%:abort").AbortOnFail);
        Assert.False(Threshold.Parse("errors<1%").AbortOnFail);
        Assert.Throws<FormatException>(() => Threshold.Parse("errors<1%:abortt"));
    }
}
