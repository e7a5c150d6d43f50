using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Holds;
using FlashSale.Load.Cli;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// A hold-checkout rehearsal (<c>--checkout hold --abandon-share 0.3</c>) passes with every invariant holding: the
/// winners who walk away see their 30 s holds expire within the audit's settle phase, the others pay. The holds last
/// 30 s, so the three topologies run side by side, each on a host of its own, in the collection of the 30-second holds.
/// </summary>
[Collection(ThirtySecondHolds.Name)]
public sealed class HoldRehearsalTests(ITestOutputHelper output)
{

    [Fact]
    public async Task A_hold_rehearsal_with_abandoned_holds_passes_every_invariant()
    {
        await Task.WhenAll(new[] { TestServers.RedisSingleNode, TestServers.RedisCluster, TestServers.RedisSentinel }.Select(async redis =>
        {
            await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?> { ["FlashSale:Redis:Configuration"] = redis });
            var (result, console) = await RehearsalRun.RunAsync(app.Admin.Http.BaseAddress!, output,
                "--users", "200", "--stock", "40", "--arrival-window", "500ms", "--checkout", "hold", "--hold-seconds", "30",
                "--abandon-share", "0.3", "--threshold", "errors<1%", "--threshold", "p99<30s", "--poll-claim", "250ms", "--threshold", "paid.p99<40s");

            Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
            Assert.All(result.Audit!.Invariants, i => Assert.True(i.Passed, string.Join("; ", i.Broken)));
            Assert.Contains(result.Audit.Invariants.Single(i => i.Number == 3).Checked, rule => rule.StartsWith("no unit held past its expiry + 1 s", StringComparison.Ordinal));
            // Every winner who meant to pay could start a checkout, even one sent before a worker had recorded the hold.
            Assert.Contains(", 0 checkouts refused", console);
            var statuses = result.Audit.FinalStatuses;
            Assert.True(statuses.GetValueOrDefault("expired") > 0, $"some holds were abandoned and expired: {string.Join(", ", statuses)}");
            Assert.True(statuses.GetValueOrDefault("paid") > 0, $"the other winners paid: {string.Join(", ", statuses)}");
            Assert.Equal(40, result.Audit.Counts!.Paid + result.Audit.Counts.Remaining);
            // The winners who checked out followed their claims to the end: each paid one was seen paid by its buyer.
            Assert.Equal(statuses.GetValueOrDefault("paid"), result.Figures!.ClickToPaid!.TotalCount);
            Assert.True(result.Thresholds.Single(t => t.Threshold.Text == "paid.p99<40s").Measured > 0);
        }));
    }
}

