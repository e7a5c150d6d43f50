using HdrHistogram;
using FlashSale.Load.Api;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Reports;

/// <summary>
/// The report's figures as one JSON document (<c>--out results.json</c>); docs/rehearsal-results.md is its schema. Names
/// are camelCase; latencies are milliseconds from each request's intended start; a section the run had no part in is null.
/// </summary>
public sealed record ResultsDocument(
    string Schema, ResultsVerdict Verdict, ResultsRun Run, ResultsRequests Requests, IReadOnlyDictionary<string, LatencySummary> Latency,
    IReadOnlyDictionary<string, long> Errors, IReadOnlyList<ResultsThreshold> Thresholds, IReadOnlyList<ResultsInvariant> Invariants,
    SaleCounts? Counts, IReadOnlyDictionary<string, int> ClaimStatuses, IReadOnlyList<ResultsInterval> Timeline,
    IReadOnlyList<OpeningBucket>? Opening, ResultsService? Service, GeneratorFigures? Generator, ResultsAgents? Agents, ResultsBuyers? Buyers,
    IReadOnlyList<ResultsSale>? Sales = null)
{
    public const string SchemaName = "flashsale.rehearsal.results/1";

    public static ResultsDocument From(ReportModel r) => new(
        SchemaName,
        new ResultsVerdict(r.ExitCode, r.Passed, r.Verdict),
        new ResultsRun(r.Options.Url.ToString(), r.Sale.SaleId, r.Options.SaleId is null, r.Sale.Stock, r.Sale.Checkout, r.Options.ScenarioName,
            r.Options.Model.ToString().ToLowerInvariant(), r.Options.WaitingRoom, new DateTimeOffset(r.Sale.StartsAt, TimeSpan.Zero), r.FinishedAt, r.StoppedEarly,
            r.Sales?.Select(x => x.SaleId).ToList() ?? [r.Sale.SaleId], r.Options.SalesPerBuyer),
        new ResultsRequests(r.Figures.Planned, r.Figures.Sent, r.Figures.Answered, r.Figures.Dropped, r.Figures.Late, r.Figures.Seconds,
            r.Figures.RequestsPerSecond, Outcomes.All.ToDictionary(o => o.Name(), r.Figures.Count)),
        r.LatencyRows.ToDictionary(x => x.Name, x => LatencySummary.Of(x.Latency)),
        r.Figures.ErrorCodes,
        r.Thresholds.Select(t => new ResultsThreshold(t.Threshold.Text, t.Measured, t.Passed)).ToList(),
        r.Audit.Invariants.Select(ResultsInvariant.Of).ToList(),
        r.Audit.Counts,
        r.Audit.FinalStatuses,
        r.Figures.Buckets.Where(b => b.IntervalSeconds > 0).Select(ResultsInterval.Of).ToList(),
        r.Opening,
        r.Service is null ? null : new ResultsService(r.Service.Count, r.ServiceScrapeFailures, r.Service),
        r.Generator,
        r.Agents is null ? null : new ResultsAgents(r.Agents.UnionHolds, r.Agents.Problems, r.Agents.Agents),
        r.Buyers is null ? null : new ResultsBuyers(r.Buyers.Polls, r.Buyers.PollErrors, r.Buyers.Endings, LatencySummary.Of(r.Buyers.ClickToPaid)),
        r.Sales?.Select(x => new ResultsSale(x.SaleId, x.Stock, x.Passed, x.Outcomes.ToDictionary(o => o.Key.Name(), o => o.Value), LatencySummary.Of(x.Latency),
            x.Counts, x.Invariants.Select(ResultsInvariant.Of).ToList())).ToList());
}

/// <summary>One sale of a run on several: its answers, its latency, its counts at the end, and its own invariants.</summary>
public sealed record ResultsSale(
    string SaleId, int Stock, bool Passed, IReadOnlyDictionary<string, long> Outcomes, LatencySummary Latency, SaleCounts? Counts, IReadOnlyList<ResultsInvariant> Invariants);

/// <summary>The service's own figures from its /metrics (see <see cref="Service.ServiceSample"/>).</summary>
public sealed record ResultsService(int Scrapes, int ScrapeFailures, IReadOnlyList<Service.ServiceSample> Samples);

/// <param name="MergedIsUnion">The merged histograms equal the union of the agents' totals, outcome by outcome.</param>
public sealed record ResultsAgents(bool MergedIsUnion, IReadOnlyList<string> Problems, IReadOnlyList<Agents.AgentFigures> Agents);

/// <param name="ClickToPaid">Each winner's first click to the poll that saw the claim paid.</param>
public sealed record ResultsBuyers(long Polls, long PollErrors, IReadOnlyDictionary<string, long> Endings, LatencySummary ClickToPaid);

public sealed record ResultsVerdict(int ExitCode, bool Passed, string Text);

public sealed record ResultsRun(
    string Target, string SaleId, bool SaleCreated, int Stock, string Checkout, string Scenario, string Model, bool WaitingRoom,
    DateTimeOffset StartsAt, DateTimeOffset FinishedAt, string? StoppedEarly, IReadOnlyList<string>? SaleIds = null, int SalesPerBuyer = 1);

/// <param name="Outcomes">Answers by outcome (admitted, replay, sold_out, ..., error).</param>
public sealed record ResultsRequests(
    long Planned, long Sent, long Answered, long Dropped, long Late, double Seconds, double PerSecond, IReadOnlyDictionary<string, long> Outcomes);

public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary Of(HistogramBase h) => new(h.TotalCount, LoadRecorder.Ms(h, 50), LoadRecorder.Ms(h, 90), LoadRecorder.Ms(h, 99),
        LoadRecorder.Ms(h, 99.9), h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0, h.TotalCount == 0 ? 0 : h.GetMean() / 1000.0);
}

/// <param name="Measured">In the threshold's unit: ms for a latency, percent or a count otherwise.</param>
public sealed record ResultsThreshold(string Expression, double Measured, bool Passed);

/// <param name="SaleId">A run on several sales: the sale this check is of; null on one sale.</param>
public sealed record ResultsInvariant(
    int Number, string Name, string Rule, bool Passed, int ExitCode, IReadOnlyList<string> Checked, IReadOnlyList<string> Broken, string? SaleId = null)
{
    public static ResultsInvariant Of(Verdict.InvariantResult i) => new(i.Number, i.Name, i.Rule, i.Passed, i.ExitCode, i.Checked, i.Broken, i.SaleId);
}

/// <summary>One sampled interval (0.5 s): answers by outcome, latency of its answers, the sale's counts as polled.</summary>
public sealed record ResultsInterval(
    double AtSeconds, double IntervalSeconds, long Admitted, long Replay, long SoldOut, long NotStarted, long Error, double PerSecond,
    double P50Ms, double P99Ms, double MaxMs, long? StockRemaining, long? Paid, long? UnitsInFlight)
{
    public static ResultsInterval Of(Bucket b) => new(b.AtSeconds, b.IntervalSeconds, b.Counts[(int)Outcome.Admitted], b.Counts[(int)Outcome.Replay],
        b.Counts[(int)Outcome.SoldOut], b.Counts[(int)Outcome.NotStarted], b.Counts[(int)Outcome.Error], b.RequestsPerSecond, b.P50Ms, b.P99Ms, b.MaxMs,
        b.StockRemaining, b.Paid, b.UnitsInFlight);
}
