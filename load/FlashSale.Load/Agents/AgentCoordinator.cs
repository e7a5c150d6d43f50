using System.Net.Http.Json;
using HdrHistogram;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Traffic;

namespace FlashSale.Load.Agents;

/// <summary>
/// <c>--agents HOST:PORT,...</c>: hands each agent its share of the arrival plan, merges the interval histograms they
/// stream into this run's recorder as they arrive (the live view and the charts see the whole crowd), then their
/// counters and claims, for the one audit. At the end it checks the merged histograms are exactly the union of the
/// agents' own totals. Stopped (Ctrl-C, a threshold with <c>:abort</c>), it tells every agent to stop its share; their
/// winners' polls (<c>--poll-claim</c>) and their opening buckets (<c>--starts-in</c>) arrive with their results.
/// </summary>
public sealed class AgentCoordinator(
    LoadOptions options, IReadOnlyList<TargetSale> sales, string runTag, DateTimeOffset? t0, LoadRecorder recorder, OpeningRecorder? opening = null)
{
    private static readonly TimeSpan StopTriesFor = TimeSpan.FromSeconds(10);
    private readonly List<AgentRun> _runs = options.Agents.Select((address, i) => new AgentRun(address, i)).ToList();

    /// <summary>Ctrl-C or a threshold with <c>:abort</c>: every agent is told to stop its share of the crowd.</summary>
    public CancellationToken StopArrivals { get; init; }

    public async Task RunAsync(CancellationToken ct)
    {
        // Time for every agent to get its job before the common start.
        var startAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var stopHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var job = options with { Agents = [] };
        var restart = Task.Run(async () =>
        {
            await Task.Delay(startAt - DateTimeOffset.UtcNow, ct);
            recorder.Restart();
        }, ct);
        var stopping = Task.CompletedTask;
        await using (StopArrivals.Register(() => stopping = Task.WhenAll(_runs.Select(r => r.StopAsync(stopHttp, runTag, ct)))))
        {
            await Task.WhenAll(_runs.Select(r => r.RunAsync(http, new AgentJob(job, sales[0].SaleId, runTag, r.Index, _runs.Count,
                startAt.ToUnixTimeMilliseconds(), t0?.ToUnixTimeMilliseconds(), sales.Select(t => t.SaleId).ToList()), recorder, sales, opening, ct)).Append(restart));
        }
        await stopping;
    }

    /// <summary><c>--poll-claim</c>: the agents' winners as one crowd (polls, endings, click-to-paid summed); null without polling.</summary>
    public BuyerFigures? Buyers()
    {
        var parts = _runs.Select(r => r.Result?.Buyers).Where(b => b is not null).Select(b => b!).ToList();
        if (parts.Count == 0) return null;
        var clickToPaid = new LongHistogram(1, LoadRecorder.HighestMicros, 3);
        var endings = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            if (AgentLog.Read(part.ClickToPaid) is { } h) clickToPaid.Add(h);
            foreach (var (how, n) in part.Endings) endings[how] = endings.GetValueOrDefault(how) + n;
        }
        return new BuyerFigures(parts.Sum(p => p.Polls), parts.Sum(p => p.PollErrors), endings, clickToPaid, options.PollClaimEvery);
    }

    /// <summary>Each agent's figures and whether the merge lost or invented nothing; call after the final sample.</summary>
    public AgentsReport Report(RunFigures figures)
    {
        var problems = new List<string>();
        foreach (var outcome in Outcomes.All)
        {
            var union = new LongHistogram(1, LoadRecorder.HighestMicros, 3);
            foreach (var run in _runs)
            {
                var total = run.Totals.GetValueOrDefault(outcome);
                if (total is null)
                {
                    problems.Add($"agent {run.Address} sent no {outcome.Name()} total");
                    continue;
                }
                var received = new LongHistogram(1, LoadRecorder.HighestMicros, 3);
                foreach (var part in run.Received.Where(p => p.Outcome == outcome)) received.Add(part.Part);
                if (!Same(received, total)) problems.Add($"agent {run.Address}: its {outcome.Name()} intervals ({received.TotalCount:N0}) are not its total ({total.TotalCount:N0})");
                union.Add(total);
            }
            if (!Same(union, figures.Latency[outcome]))
                problems.Add($"merged {outcome.Name()} ({figures.Latency[outcome].TotalCount:N0}) is not the union of the agents' ({union.TotalCount:N0})");
        }
        var agents = _runs.Select(r => new AgentFigures(r.Address, r.Result?.Sent ?? 0, r.Totals.Values.Sum(h => h.TotalCount), r.Result?.Generator)).ToList();
        return new AgentsReport(agents, problems.Count == 0, problems, Combined(agents));
    }

    /// <summary>The crowd's generator is saturated when any agent was; its figures are the worst agent's, its CPU the sum.</summary>
    private static GeneratorFigures? Combined(IReadOnlyList<AgentFigures> agents)
    {
        var watched = agents.Where(a => a.Generator is not null).ToList();
        if (watched.Count == 0) return null;
        var worst = watched.MaxBy(a => a.Generator!.SendLagP99Ms)!.Generator!;
        var cpu = watched.Sum(a => a.Generator!.CpuSeconds);
        var sent = watched.Sum(a => a.Generator!.Sent);
        return worst with
        {
            Saturated = watched.Any(a => a.Generator!.Saturated),
            Reasons = watched.SelectMany(a => a.Generator!.Reasons.Select(r => $"agent {a.Address}: {r}")).ToList(),
            CpuSeconds = cpu, CpuMicrosPerRequest = sent == 0 ? 0 : cpu * 1e6 / sent, PeakCpuShare = watched.Max(a => a.Generator!.PeakCpuShare),
            Sent = sent, Dropped = watched.Sum(a => a.Generator!.Dropped), Late = watched.Sum(a => a.Generator!.Late),
        };
    }

    private static bool Same(HistogramBase a, HistogramBase b) =>
        a.TotalCount == b.TotalCount &&
        a.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAddedInThisIterationStep))
            .SequenceEqual(b.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAddedInThisIterationStep)));

    private sealed class AgentRun(string address, int index)
    {
        public string Address { get; } = address;
        public int Index { get; } = index;
        public List<(Outcome Outcome, HistogramBase Part)> Received { get; } = [];
        public Dictionary<Outcome, HistogramBase> Totals { get; } = [];
        public AgentResult? Result { get; private set; }

        /// <summary>Asks the agent to stop this run, again while it does not know the run yet (the job may still be on its way).</summary>
        public async Task StopAsync(HttpClient http, string runTag, CancellationToken ct)
        {
            var deadline = DateTimeOffset.UtcNow + StopTriesFor;
            while (Result is null && DateTimeOffset.UtcNow < deadline && !ct.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.PostAsync($"http://{Address}/stop?run={Uri.EscapeDataString(runTag)}", null, ct);
                    if (response.IsSuccessStatusCode) return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // Tried again below: an agent busy with its share answers late.
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
        }

        public async Task RunAsync(HttpClient http, AgentJob job, LoadRecorder recorder, IReadOnlyList<TargetSale> sales, OpeningRecorder? opening, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{Address}/run") { Content = JsonContent.Create(job, options: FlashSaleApi.Json) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode) throw new SetupException($"agent {Address} refused the run: HTTP {(int)response.StatusCode}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith(AgentLog.ResultPrefix, StringComparison.Ordinal))
                {
                    Result = System.Text.Json.JsonSerializer.Deserialize<AgentResult>(line[AgentLog.ResultPrefix.Length..], FlashSaleApi.Json);
                    if (Result is null) continue;
                    recorder.AddCounters(Result.Sent, Result.Dropped, Result.Late, Result.ErrorCodes);
                    foreach (var c in Result.Claims) sales[c.Sale].Book.Merge(c.UserId, c.PaymentMethodId, c.Admitted, c.Seen);
                    foreach (var t in Result.Sales ?? [])
                        if (AgentLog.Read(t.Latency) is { } latency) sales[t.Sale].Tally.Add(t.Counts, latency);
                    foreach (var b in Result.Opening ?? [])
                        if (AgentLog.Read(b.Latency) is { } latency) opening?.Add(b.Index, b.Counts, latency);
                    continue;
                }
                if (AgentLog.Read(line) is not { } histogram) continue;
                var tag = histogram.Tag ?? "";
                var total = tag.StartsWith(AgentLog.TotalPrefix, StringComparison.Ordinal);
                if (Outcomes.Parse(total ? tag[AgentLog.TotalPrefix.Length..] : tag) is not { } outcome) continue;
                if (total) Totals[outcome] = histogram;
                else
                {
                    Received.Add((outcome, histogram));
                    recorder.AddInterval(outcome, histogram);
                }
            }
            if (Result is null) throw new SetupException($"agent {Address} ended its stream without its result");
        }
    }
}

public sealed record AgentFigures(string Address, long Sent, long Answered, GeneratorFigures? Generator);

/// <param name="UnionHolds">The merged histograms are exactly the union of the agents' totals, outcome by outcome.</param>
public sealed record AgentsReport(IReadOnlyList<AgentFigures> Agents, bool UnionHolds, IReadOnlyList<string> Problems, GeneratorFigures? Generator);
