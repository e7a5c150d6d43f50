using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Traffic;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>k6-style <c>--stage DURATION:TARGET,...</c>: the arrival rate ramped linearly from 0 through each target, and down.</summary>
[Collection(ServiceCollection.Name)]
public sealed class StageRehearsalTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public void Stages_ramp_the_arrival_rate_linearly_through_each_target()
    {
        var (o, error) = RehearsalCommand.Parse(["--stage", "2s:100,2s:100", "--stage", "2s:0"]);
        Assert.True(o is not null, error);
        Assert.Equal(Scenario.Stages, o.Scenario);
        Assert.Equal(TimeSpan.FromSeconds(6), o.Duration);
        var plan = ArrivalPlan.Build(o, new Random(1));
        // Up 0 -> 100/s over 2 s (100 buyers), 100/s for 2 s (200), down to 0 over 2 s (100).
        Assert.InRange(plan.Length, 398, 400);
        Assert.InRange(plan.Count(a => a.AtSeconds < 1), 24, 26); // a quarter of the first triangle
        Assert.InRange(plan.Count(a => a.AtSeconds is >= 2 and < 4), 199, 201);
        Assert.InRange(plan.Count(a => a.AtSeconds >= 5), 24, 26);
        Assert.Equal(plan.Length, plan.Select(a => a.User).Distinct().Count());

        Assert.Null(RehearsalCommand.Parse(["--stage", "2s"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--stage", "2s:-1"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--stage", "2s:10", "--scenario", "ramp"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--stage", "2s:10", "--model", "closed"]).Options);
    }

    [Fact]
    public async Task A_staged_run_up_and_down_passes_with_every_planned_arrival_answered()
    {
        var (result, _) = await RehearsalRun.RunAsync(app, output,
            "--stage", "1s:100,1s:100,1s:0", "--stock", "1000", "--settle", "45s", "--threshold", "errors<1%", "--threshold", "p99<30s");

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.InRange(result.Figures!.Sent, 199, 201);
        Assert.Equal(result.Figures.Sent, result.Figures.Answered);
        Assert.Equal(result.Figures.Sent, result.Figures.Count(Outcome.Admitted));
        Assert.Contains("stages (arrivals/s, linear from 0): 100 over 1 s → 100 over 1 s → 0 over 1 s", await File.ReadAllTextAsync(result.MarkdownPath!));
    }
}
