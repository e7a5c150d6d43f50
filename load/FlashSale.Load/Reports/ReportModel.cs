using HdrHistogram;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Fairness;
using FlashSale.Load.Metrics;
using FlashSale.Load.Verdict;

namespace FlashSale.Load.Reports;

/// <summary>Everything a report shows; the Markdown and HTML writers only lay it out.</summary>
public sealed record ReportModel(
    LoadOptions Options, SaleView Sale, RunFigures Figures, AuditReport Audit, IReadOnlyList<ThresholdResult> Thresholds,
    int ExitCode, string Verdict, DateTimeOffset FinishedAt)
{
    public bool Passed => ExitCode == ExitCodes.Passed;
    public string Headline => Passed ? "PASS" : ExitCode == ExitCodes.GeneratorSaturated ? "INCONCLUSIVE" : "FAIL";

    /// <summary>A waiting-room rehearsal: its joins and polls, how the waits ended, and the fairness audit.</summary>
    public QueueFigures? Queue { get; init; }
    public IReadOnlyDictionary<string, int>? QueueEndings { get; init; }
    public FairnessReport? Fairness { get; init; }

    /// <summary>The opening (<c>--starts-in</c>): the first 10 s after T0 in 100 ms buckets.</summary>
    public IReadOnlyList<OpeningBucket>? Opening { get; init; }
    /// <summary>The service's own figures, scraped from its <c>/metrics</c> once a second; null when not scraped.</summary>
    public IReadOnlyList<Service.ServiceSample>? Service { get; init; }
    public int ServiceScrapeFailures { get; init; }
    public GeneratorFigures? Generator { get; init; }
    public Agents.AgentsReport? Agents { get; init; }
    /// <summary>Ctrl-C or a threshold with <c>:abort</c> stopped the crowd before its plan ended.</summary>
    public string? StoppedEarly { get; init; }
    public Traffic.BuyerFigures? Buyers { get; init; }
    /// <summary><c>--sales</c>: each sale's answers, counts and audit; null on one sale (<see cref="Sale"/> is then the run's only one).</summary>
    public IReadOnlyList<SaleFigures>? Sales { get; init; }

    public static readonly string[] SalesHeader = ["sale", "stock", "admitted", "replay", "sold_out", "error", "p50 ms", "p99 ms", "paid", "remaining", "invariants"];

    /// <summary>One row per sale, then the run's totals (every answer, the counts summed, every invariant of every sale).</summary>
    public IEnumerable<string[]> SalesRows => Sales is not { } sales ? [] : sales.Select(x => Row(x.SaleId, x.Stock, o => x.Outcomes[o], x.Latency, x.Counts,
            x.Passed ? "all pass" : "BROKEN: " + string.Join(", ", x.Invariants.Where(i => !i.Passed).Select(i => i.Name))))
        .Append(Row($"all {sales.Count}", Sale.Stock, Figures.Count, Figures.AllLatency, Audit.Counts,
            Audit.Invariants.All(i => i.Passed) ? "all pass" : $"{Audit.Invariants.Count(i => !i.Passed)} broken"));

    private static string[] Row(string name, int stock, Func<Outcome, long> count, HistogramBase latency, SaleCounts? counts, string invariants) =>
    [
        name, $"{stock:N0}", $"{count(Outcome.Admitted):N0}", $"{count(Outcome.Replay):N0}", $"{count(Outcome.SoldOut):N0}", $"{count(Outcome.Error):N0}",
        $"{LoadRecorder.Ms(latency, 50):0.0}", $"{LoadRecorder.Ms(latency, 99):0.0}", counts is null ? "n/a" : $"{counts.Paid:N0}",
        counts is null ? "n/a" : $"{counts.Remaining:N0}", invariants,
    ];

    /// <summary>The winners following their claims: polls, how the claims ended as they saw it, click-to-paid.</summary>
    public IEnumerable<(string Name, string Value)> BuyerRows => Buyers is not { } b ? [] :
    [
        ("polls of the winners' claims", $"{b.Polls:N0} (every {b.PollEvery.TotalSeconds:0.##} s), {b.PollErrors:N0} failed"),
        ("how the claims ended, as the buyers saw them", string.Join(", ", b.Endings.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}"))),
        ("click-to-paid (first click to the poll that saw paid)", b.ClickToPaid.TotalCount == 0 ? "no buyer saw paid" :
            $"{b.ClickToPaid.TotalCount:N0} buyers: p50 {LoadRecorder.Ms(b.ClickToPaid, 50):0} ms, p90 {LoadRecorder.Ms(b.ClickToPaid, 90):0} ms, " +
            $"p99 {LoadRecorder.Ms(b.ClickToPaid, 99):0} ms, max {b.ClickToPaid.GetMaxValue() / 1000.0:0} ms (threshold paid.p99<15s)"),
    ];

    public IEnumerable<(string Name, string Value)> AgentRows => Agents is not { } a ? [] :
        a.Agents.Select(x => ($"agent {x.Address}", $"sent {x.Sent:N0}, answered {x.Answered:N0}" +
                                                      (x.Generator is { } g ? $", send lag p99 {g.SendLagP99Ms:0.00} ms, {g.CpuMicrosPerRequest:0} µs CPU per request{(g.Saturated ? ", SATURATED" : "")}" : "")))
            .Append(("merged histograms", a.UnionHolds ? "equal to the union of the agents' totals, outcome by outcome (checked)" : "BROKEN: " + string.Join("; ", a.Problems)));

    /// <summary>The generator's watch on itself, so a reader knows whether the figures are the service's or the tool's.</summary>
    public IEnumerable<(string Name, string Value)> GeneratorRows => Generator is not { } g ? [] :
    [
        ("saturated (the tool was the bottleneck)", g.Saturated ? "YES: " + string.Join("; ", g.Reasons) : "no"),
        ("send lag (actual send − planned)", $"p50 {g.SendLagP50Ms:0.00} ms, p99 {g.SendLagP99Ms:0.00} ms, max {g.SendLagMaxMs:0.0} ms (limit p99 {Options.MaxSendLag.TotalMilliseconds:0} ms)"),
        ("CPU of the tool", $"{g.CpuSeconds:0.00} s: mean {g.CpuShare:P0}, busiest 0.5 s {g.PeakCpuShare:P0} of {g.Cores} cores (limit {Options.MaxGeneratorCpu:P0}); {g.CpuMicrosPerRequest:0} µs per request sent"),
        ("dropped / late", $"{g.Dropped:N0} dropped (too many outstanding: a slow service or a slow tool), {g.Late:N0} late of {g.Sent:N0} sent"),
    ];

    public static readonly string[] OpeningHeader = ["ms after T0", "admitted", "refused", "sold_out", "not_started", "error", "p50 ms", "p99 ms", "max ms"];

    public IEnumerable<string[]> OpeningRows => (Opening ?? []).Select(b => new[]
    {
        $"{b.FromMs:0}", $"{b.Admitted:N0}", $"{b.Refused:N0}", $"{b.SoldOut:N0}", $"{b.NotStarted:N0}", $"{b.Error:N0}",
        $"{b.P50Ms:0.0}", $"{b.P99Ms:0.0}", $"{b.MaxMs:0.0}",
    });

    /// <summary>What the service's /metrics showed over the run, summed up.</summary>
    public IEnumerable<(string Name, string Value)> ServiceRows
    {
        get
        {
            if (Service is not { Count: > 0 } s) return Options.ScrapeMetrics ? [("scrapes of /metrics", $"none answered ({ServiceScrapeFailures} failed)")] : [];
            var admit = s.Where(x => x.AdmitP99Ms is not null).ToList();
            var outcomes = s.SelectMany(x => x.Payments.Keys).Distinct().Order();
            return
            [
                ("scrapes of /metrics", $"{s.Count:N0} over {s[^1].AtSeconds - s[0].AtSeconds:0.0} s, {ServiceScrapeFailures} failed"),
                ("queue lag (claims queued, not confirmed)", $"max {s.Max(x => x.QueuePending ?? 0):N0}, at the end {s[^1].QueuePending?.ToString("N0") ?? "n/a"}"),
                ("stock remaining (service gauge)", $"at the end {s[^1].StockRemaining?.ToString("N0") ?? "n/a"}"),
                ("payment outcomes during the run", string.Join(", ", outcomes.Select(o => $"{o} {s[^1].Payments.GetValueOrDefault(o) - s[0].Payments.GetValueOrDefault(o):N0}")) is { Length: > 0 } p ? p : "none"),
                ("service admit latency", admit.Count == 0 ? "no admits seen" : $"worst 1 s p50 {admit.Max(x => x.AdmitP50Ms ?? 0):0.00} ms, worst 1 s p99 {admit.Max(x => x.AdmitP99Ms!.Value):0.00} ms (histogram buckets, so bucket-wide)"),
            ];
        }
    }

    /// <summary>Rows of the latency table: every outcome that happened, then all requests together.</summary>
    public IEnumerable<(string Name, HistogramBase Latency)> LatencyRows =>
        Outcomes.All.Where(o => Figures.Count(o) > 0).Select(o => (o.Name(), Figures.Latency[o]))
            .Append(("all", Figures.AllLatency));

    public IEnumerable<(string Name, string Value)> Setup =>
    [
        ("target", Options.Url.ToString()),
        ("sale", Sales is { } several
            ? $"{several.Count} sales created by the tool, alike ({string.Join(", ", several.Select(x => x.SaleId))}), stock {several[0].Stock:N0} each, " +
              $"{Sale.Stock:N0} in all; each buyer claims on {Options.SalesPerBuyer} of them"
            : $"{Sale.SaleId} ({(Options.SaleId is null ? "created by the tool" : "existing")}, stock {Sale.Stock:N0})"),
        ("scenario", $"{Options.ScenarioName}, {Options.Model.ToString().ToLowerInvariant()} model"),
        ("crowd", Options.Model == LoadModel.Closed
            ? $"{Options.Concurrency} concurrent buyers, up to {Options.Duration.TotalSeconds:0.#} s" + (Options.Scenario == Scenario.FlashCrowd ? $", {Options.Users:N0} buyers" : "")
            : Options.Scenario switch
            {
                Scenario.FlashCrowd => $"{Options.Users:N0} buyers arriving within {Options.ArrivalWindow.TotalSeconds:0.##} s",
                Scenario.Steady => $"{Options.Rate:N0} arrivals/s for {Options.Duration.TotalSeconds:0.#} s",
                Scenario.Stages => "stages (arrivals/s, linear from 0): " + string.Join(" → ", Options.Stages.Select(st => $"{st.Target:N0} over {st.Duration.TotalSeconds:0.#} s")),
                _ => $"{string.Join(" → ", ArrivalPlanRates())} arrivals/s over {Options.Duration.TotalSeconds:0.#} s",
            }),
        ("behaviour", (Options.Scenario == Scenario.FlashCrowd
            ? $"{Options.DoubleClickShare:P0} double clicks, up to {Options.Retries} retries after timeout/429/503, {Options.DeclineShare:P0} declining cards"
            : $"{Options.DeclineShare:P0} declining cards") + (Options.Quantity > 1 ? $"; {Options.Quantity} units a buyer" : "")),
        .. (Options.WaitingRoom
            ? [("waiting room", $"outflow {Options.OutflowPerMinute:N0}/min, tokens {Options.TokenSeconds} s; every buyer joins within " +
                                $"{Options.ArrivalWindow.TotalSeconds:0.##} s, the sale starts {Options.StartLead.TotalSeconds:0.##} s after the last planned join (at {Sale.StartsAt:u})")]
            : Array.Empty<(string, string)>()),
        ("client", $"{Options.Connections} connections, timeout {Options.Timeout.TotalSeconds:0.#} s" +
                   (Options.Model == LoadModel.Open ? $", at most {Options.MaxInFlight:N0} in flight, late after {Options.LateAfter.TotalMilliseconds:0} ms" : "")),
        ("machine", $"{Environment.MachineName}, {Environment.ProcessorCount} cores, .NET {Environment.Version}"),
        ("finished", FinishedAt.ToString("u")),
    ];

    /// <summary>Joins and polls: counts, the rates reached, latencies (from when the buyer meant to send).</summary>
    public IEnumerable<(string Name, string Value)> WaitingRoomRows => Queue is not { } q ? [] :
    [
        ("joins answered", $"{q.Joins.TotalCount:N0} ({q.JoinErrors:N0} errors) in {q.JoinSeconds:0.00} s: {q.JoinsPerSecond:N0} joins/s, best second {q.PeakJoinsPerSecond:N0}"),
        ("join latency", $"p50 {LoadRecorder.Ms(q.Joins, 50):0.00} ms, p99 {LoadRecorder.Ms(q.Joins, 99):0.00} ms, max {Max(q.Joins):0.00} ms; " +
                         $"{q.JoinsLate:N0} joins sent > {Options.LateAfter.TotalMilliseconds:0} ms after the plan"),
        ("polls answered", $"{q.Polls.TotalCount:N0} ({q.PollErrors:N0} errors) over {q.PollSeconds:N0} s: {q.PollsPerSecond:N0} polls/s, best second {q.PeakPollsPerSecond:N0}"),
        ("poll latency", $"p50 {LoadRecorder.Ms(q.Polls, 50):0.00} ms, p99 {LoadRecorder.Ms(q.Polls, 99):0.00} ms, max {Max(q.Polls):0.00} ms"),
        ("how the waits ended", QueueEndings is null ? "" : string.Join(", ", QueueEndings.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}"))),
        .. q.ErrorCodes.Count == 0 ? Array.Empty<(string, string)>() : [("queue errors by code", string.Join(", ", q.ErrorCodes.Select(e => $"{e.Key} {e.Value:N0}")))],
    ];

    /// <summary>The fairness figures: the order verified, winners against it, the rank correlations.</summary>
    public IEnumerable<(string Name, string Value)> FairnessRows => Fairness is not { } f ? [] :
    [
        ("order verified", f.Order.Passed ? $"yes: {f.Order.Served:N0} tickets, commitment = SHA-256(seed), order = sorted SHA-256(seed ‖ ticketId)"
            : !f.Order.SeedRevealed && f.Result.Passed ? "not yet: the crowd was stopped before the start, and the seed is shown from the start (verify --sale then)"
            : "NO: " + string.Join("; ", f.Order.Problems)),
        ("buyers in the pre-queue's order", $"{f.InOrder:N0} of {f.Buyers:N0}"),
        ("winners vs. the first tickets", $"{f.Winners:N0} won; expected the first {f.Expected:N0}: {f.WinnersOutside:N0} winners from further back, {f.FrontNotWinning:N0} of the first not winning"),
        ("admitted out of queue order", $"{f.AdmittedOutOfOrder:N0}"),
        ("Spearman ρ, arrival vs. place in the order", $"{FairnessAudit.Format(f.RhoRank)} (pass: |ρ| < 4/√n = {f.Bound:0.0000})"),
        ("Spearman ρ, arrival vs. winning", $"{FairnessAudit.Format(f.RhoWon)} (pass: |ρ| < {f.Bound:0.0000})"),
        ("fairness audit (invariant 7)", f.Result.Passed ? "pass" : "BROKEN: " + string.Join("; ", f.Result.Broken)),
    ];

    private static double Max(HistogramBase h) => h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0;

    private IEnumerable<string> ArrivalPlanRates() => FlashSale.Load.Traffic.ArrivalPlan.RampRates(Options).Select(r => r.ToString("N0"));

    public IEnumerable<(string Name, string Value)> Traffic =>
    [
        .. StoppedEarly is null ? Array.Empty<(string, string)>() : [("STOPPED EARLY", StoppedEarly + "; the audit judged what had happened")],
        ("requests planned", $"{Figures.Planned:N0}"),
        ("sent", $"{Figures.Sent:N0}"),
        ("answered", $"{Figures.Answered:N0}"),
        ("dropped (never sent: too many in flight)", $"{Figures.Dropped:N0}"),
        ($"late (sent > {Options.LateAfter.TotalMilliseconds:0} ms after the plan)", $"{Figures.Late:N0}"),
        ("traffic duration", $"{Figures.Seconds:0.00} s"),
        ("throughput", $"{Figures.RequestsPerSecond:N0} answered req/s"),
        ("claims admitted (202)", $"{Audit.ClaimsAdmitted:N0}"),
        ("claims polled at the end", $"{Audit.ClaimsPolled:N0}"),
        ("last 202 answer", Figures.LastAdmittedAtSeconds is { } last ? $"{last:0.00} s after the start" : "none"),
        ("every admitted unit settled (counts: nothing in flight)", Figures.AllSettledAtSeconds is { } all && Figures.LastAdmittedAtSeconds is { } l
            ? $"{all:0.00} s after the start = {all - l:0.00} s after the last 202 (sampled every 0.5 s)" : "not seen in the samples"),
        ("paid units/s (admin counts)", $"mean {Figures.PaidPerSecond.Mean:N0} from the first paid unit to settled, best 5 s (or all samples, if fewer) {Figures.PaidPerSecond.Peak:N0}"),
        ("audit finished after traffic", $"{Audit.SettledAfterSeconds:0.00} s (includes polling every claim)"),
    ];
}
