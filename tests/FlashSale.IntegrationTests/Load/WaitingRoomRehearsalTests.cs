using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// A small waiting-room rehearsal (<c>--waiting-room</c>) against the real service: every buyer joins the pre-queue
/// before the start, polls, claims with the token once admitted; the shuffle verifies, the winners are exactly the
/// first tickets of the verified order, and every invariant holds. On one node, a cluster and behind Sentinels.
/// </summary>
public abstract class WaitingRoomRehearsalTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task A_waiting_room_crowd_passes_the_fairness_audit_and_every_invariant()
    {
        // One admission every 2 s, twice as long as a buyer at the front waits between polls: each winner has claimed
        // before the next ticket is let in, however busy the machine, so the first six tickets must be the winners.
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--waiting-room", "--users", "40", "--stock", "6", "--outflow", "30", "--arrival-window", "1s", "--start-lead", "2s",
            "--settle", "30s", "--threshold", "errors<1%", "--threshold", "p99<30s");

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.Equal([1, 2, 3, 4, 5, 7], result.Audit!.Invariants.Select(i => i.Number));
        Assert.All(result.Audit.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));

        var fairness = result.Fairness!;
        Assert.True(fairness.Order.Passed, string.Join("; ", fairness.Order.Problems));
        Assert.Equal((40, 40, 6, 6, 0, 0, 0), (fairness.Buyers, fairness.InOrder, fairness.Winners, fairness.Expected,
            fairness.WinnersOutside, fairness.FrontNotWinning, fairness.AdmittedOutOfOrder));
        Assert.NotNull(fairness.RhoRank);
        Assert.NotNull(fairness.RhoWon);
        Assert.Equal(6, result.Audit.Counts!.Paid);
        Assert.Equal(6, result.Figures!.Count(Outcome.Admitted));

        var queue = result.Queue!;
        Assert.Equal(40, queue.Joins.TotalCount);
        Assert.True(queue.Polls.TotalCount >= 40, $"{queue.Polls.TotalCount} polls");
        Assert.Contains("invariant 7 fair_start", console);
        Assert.Contains("how the waits ended: sold_out 34, claimed 6", console);
        var markdown = await File.ReadAllTextAsync(result.MarkdownPath!);
        Assert.Contains("## Waiting room", markdown);
        Assert.Contains("| Spearman ρ, arrival vs. place in the order |", markdown);
        Assert.Contains("| fairness audit (invariant 7) | pass |", markdown);
    }
}

[Collection(ServiceCollection.Name)]
public sealed class WaitingRoomRehearsalTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : WaitingRoomRehearsalTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class WaitingRoomRehearsalTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : WaitingRoomRehearsalTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class WaitingRoomRehearsalTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : WaitingRoomRehearsalTests(app, output);
