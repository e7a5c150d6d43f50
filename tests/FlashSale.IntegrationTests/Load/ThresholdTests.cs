using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Traffic;
using FlashSale.Load.Verdict;

namespace FlashSale.IntegrationTests.Load;

/// <summary>The rehearsal tool's rules that need no server: threshold syntax, arrival plans, flags.</summary>
public sealed class ThresholdTests
{
    [Theory]
    [InlineData("p99<20ms", null, "p99", "<", 20.0, false)]
    [InlineData("admitted.p99.9<=50ms", Outcome.Admitted, "p99.9", "<=", 50.0, false)]
    [InlineData("sold_out.max<2s", Outcome.SoldOut, "max", "<", 2000.0, false)]
    [InlineData("p50<500us", null, "p50", "<", 0.5, false)]
    [InlineData("errors<0.1%", null, "errors", "<", 0.1, true)]
    [InlineData("errors<10", null, "errors", "<", 10.0, false)]
    [InlineData("rps>1000", null, "rps", ">", 1000.0, false)]
    public void Thresholds_parse_into_metric_operator_and_limit(string text, Outcome? outcome, string metric, string op, double limit, bool percent)
    {
        var t = Threshold.Parse(text);
        Assert.Equal((outcome, metric, op, limit, percent), (t.Outcome, t.Metric, t.Operator, t.Limit, t.Percent));
    }

    [Theory]
    [InlineData("p99<20")]
    [InlineData("errors<5ms")]
    [InlineData("admitted.errors<1%")]
    [InlineData("p42<1ms")]
    [InlineData("latency fast")]
    [InlineData("paid.errors<1%")]
    [InlineData("paid.p99<15")]
    public void Malformed_thresholds_are_refused_as_usage_errors(string text)
    {
        Assert.Throws<FormatException>(() => Threshold.Parse(text));
        var (options, error) = RehearsalCommand.Parse(["--threshold", text]);
        Assert.Null(options);
        Assert.NotNull(error);
    }

    [Fact]
    public void A_flash_crowd_plan_brings_every_buyer_once_within_the_window_in_order()
    {
        var o = new LoadOptions { Users = 5000, ArrivalWindow = TimeSpan.FromSeconds(2), DoubleClickShare = 0.2 };
        var plan = ArrivalPlan.Build(o, new Random(1));
        Assert.Equal(5000, plan.Select(a => a.User).Distinct().Count());
        Assert.All(plan, a => Assert.InRange(a.AtSeconds, 0, 2));
        Assert.Equal(plan.OrderBy(a => a.AtSeconds).Select(a => a.User), plan.Select(a => a.User));
        Assert.InRange(plan.Count(a => a.DoubleClick), 800, 1200);
    }

    [Fact]
    public void A_ramp_rises_in_equal_steps_to_the_final_rate()
    {
        var o = new LoadOptions { Scenario = Scenario.Ramp, Rate = 1000, RateStart = 200, Steps = 5, Duration = TimeSpan.FromSeconds(10) };
        Assert.Equal([200.0, 400, 600, 800, 1000], ArrivalPlan.RampRates(o));
        var plan = ArrivalPlan.Build(o, new Random(1));
        Assert.Equal((200 + 400 + 600 + 800 + 1000) * 2, plan.Length);
        Assert.Equal(400, plan.Count(a => a.AtSeconds < 2));
    }

    [Fact]
    public void Flags_parse_durations_and_reject_unknown_ones()
    {
        var (o, _) = RehearsalCommand.Parse(["--scenario", "steady", "--rate=2500", "--duration", "1.5m", "--model", "closed", "--timeout", "250ms"]);
        Assert.Equal((Scenario.Steady, 2500.0, TimeSpan.FromSeconds(90), LoadModel.Closed, TimeSpan.FromMilliseconds(250)),
            (o!.Scenario, o.Rate, o.Duration, o.Model, o.Timeout));
        Assert.Null(RehearsalCommand.Parse(["--bogus", "1"]).Options);
        Assert.Null(RehearsalCommand.Parse(["--stock", "0"]).Options);
    }
}
