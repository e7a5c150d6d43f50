using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// <c>--starts-in</c>: the tool creates its sale in the future, a share of the crowd clicks before T0 and refreshes
/// (answered <c>sale_not_started</c>, not counted as errors), and the report shows the first 10 s after T0 in 100 ms buckets.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class OpeningRehearsalTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task An_opening_is_rehearsed_from_before_T0_and_reported_in_100_ms_buckets()
    {
        var json = Path.Combine(Path.GetTempPath(), $"flashsale-opening-{Guid.NewGuid():N}.json");
        var (result, console) = await RehearsalRun.RunAsync(app, output,
            "--starts-in", "3s", "--users", "300", "--stock", "30", "--arrival-window", "2s", "--early-share", "0.3",
            "--refresh-every", "500ms", "--settle", "45s", "--threshold", "errors<1%", "--threshold", "p99<30s", "--out", json);

        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        Assert.Contains("(T0)", console);
        Assert.True(result.Figures!.Count(Outcome.NotStarted) > 0, "early buyers were told the sale had not started");
        Assert.Equal(0, result.Figures.Count(Outcome.Error));
        Assert.Equal(30, result.Audit!.Counts!.Paid + result.Audit.Counts.Remaining);

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var opening = doc.RootElement.GetProperty("opening").EnumerateArray().ToList();
        Assert.Equal(100, opening.Count);
        Assert.Equal(0, opening[0].GetProperty("fromMs").GetDouble());
        Assert.Equal(9900, opening[^1].GetProperty("fromMs").GetDouble());
        // Every admit happens after T0, and with a 2 s window well within the first 10 s.
        Assert.Equal(result.Figures.Count(Outcome.Admitted), opening.Sum(b => b.GetProperty("admitted").GetInt64()));
        Assert.True(opening.Sum(b => b.GetProperty("soldOut").GetInt64()) > 0, "refusals after T0 are in the buckets");

        var html = await File.ReadAllTextAsync(result.HtmlPath!);
        Assert.Contains("The opening: first 10 s after T0, 100 ms buckets", html);
        Assert.Contains("alt=\"The opening: answers per 100 ms, first 10 s after T0\"", html);
        Assert.Contains("alt=\"The opening: latency per 100 ms of answers, first 10 s after T0\"", html);
    }

    [Fact]
    public void The_opening_crowd_gathers_around_T0_with_its_peak_just_after_it()
    {
        var o = new LoadOptions { Users = 10_000, ArrivalWindow = TimeSpan.FromSeconds(8), EarlyShare = 0.2, StartsIn = TimeSpan.FromSeconds(30) };
        var plan = FlashSale.Load.Traffic.ArrivalPlan.Build(o, new Random(3), t0Seconds: 30);
        Assert.Equal(10_000, plan.Select(a => a.User).Distinct().Count());
        Assert.All(plan, a => Assert.InRange(a.AtSeconds, 20, 38));
        Assert.InRange(plan.Count(a => a.AtSeconds < 30), 1800, 2200);
        var perSecond = Enumerable.Range(20, 18).Select(s => plan.Count(a => a.AtSeconds >= s && a.AtSeconds < s + 1)).ToList();
        Assert.Equal(10, perSecond.IndexOf(perSecond.Max())); // the busiest second is the first after T0
    }

    [Fact]
    public void Starts_in_refuses_what_cannot_be_an_opening()
    {
        Assert.Null(RehearsalCommand.Parse(["--starts-in", "30s", "--sale", "sale_x"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--starts-in", "30s", "--scenario", "steady"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--starts-in", "1s"]).Options);
        Assert.Equal(TimeSpan.FromSeconds(30), RehearsalCommand.Parse(["--starts-in", "30s"]).Options!.StartsIn);
    }
}
