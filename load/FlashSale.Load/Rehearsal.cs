using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FlashSale.Load.Agents;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Fairness;
using FlashSale.Load.Live;
using FlashSale.Load.Metrics;
using FlashSale.Load.Reports;
using FlashSale.Load.Service;
using FlashSale.Load.Traffic;
using FlashSale.Load.Verdict;
using Spectre.Console;

namespace FlashSale.Load;

/// <summary>A rehearsal from start to verdict: set the sale up, send the crowd, settle, audit, judge, report.</summary>
public static class Rehearsal
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(500);

    public static async Task<int> MainAsync(string[] args)
    {
        using var cts = new CancellationTokenSource();
        using var crowd = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            // The first Ctrl-C stops the crowd and lets the audit judge what happened; a second one stops everything.
            if (crowd.IsCancellationRequested) cts.Cancel();
            else
            {
                Console.Error.WriteLine("Ctrl-C: stopping the crowd, then auditing and reporting (Ctrl-C again to quit now)");
                crowd.Cancel();
            }
        };
        // In a CI log nothing reads the width; wrapping progress lines at 80 columns only hurts grep.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 240;
        var cli = new RehearsalCommand(async (options, ct) =>
        {
            try
            {
                return (await RunAsync(options, AnsiConsole.Console, ct, crowd.Token)).ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("Interrupted.");
                return ExitCodes.Crashed;
            }
        });
        var parsed = cli.Command.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await Console.Error.WriteLineAsync(error.Message);
            await Console.Error.WriteLineAsync("(--help lists the flags)");
            return ExitCodes.Usage;
        }
        // Ctrl-C is the rehearsal's own to handle (it cancels the token every command is given).
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cts.Token);
    }

    /// <param name="stopCrowd">Ctrl-C: stops the crowd; the audit and the report still run (<paramref name="ct"/> stops everything).</param>
    public static async Task<RehearsalResult> RunAsync(LoadOptions o, IAnsiConsole console, CancellationToken ct, CancellationToken stopCrowd = default)
    {
        IReadOnlyList<Threshold> thresholds;
        UserFeed? feed;
        try
        {
            thresholds = ThresholdSource.Load(o);
            feed = o.UsersFile is null ? null : UserFeed.Load(o.UsersFile);
            if (feed is not null) o = o with { Users = feed.Count };
        }
        catch (FormatException e)
        {
            console.WriteLine(e.Message, new Style(Color.Red));
            return RehearsalResult.Failed(ExitCodes.Usage, e.Message);
        }

        using var api = new FlashSaleApi(o.Url, o.AdminKey, o.StorefrontKey, o.Connections, o.Timeout);
        IReadOnlyList<SaleView> saleViews;
        bool exclusive;
        try
        {
            (saleViews, exclusive) = await PrepareSalesAsync(o, api, ct);
        }
        catch (Exception e) when (e is SetupException or HttpRequestException or TaskCanceledException)
        {
            var why = $"Setup failed against {o.Url}: {e.Message}";
            console.WriteLine(why, new Style(Color.Red));
            return RehearsalResult.Failed(ExitCodes.SetupFailed, why);
        }
        // The run's view of its sales: the first one's id and window, and the stock of all of them (--sales makes them alike).
        var sale = saleViews.Count == 1 ? saleViews[0] : saleViews[0] with { Stock = saleViews.Sum(v => v.Stock) };
        var targets = TargetSale.Of(saleViews.Select(v => v.SaleId));
        if (o.StartsIn is not null) console.WriteLine($"The sale opens at {sale.StartsAt:HH:mm:ss.fff} UTC (T0); {o.EarlyShare:P0} of the crowd arrives in the 10 s before and refreshes every {o.RefreshEvery.TotalSeconds:0.#} s", new Style());
        console.WriteLine($"Rehearsing {o.ScenarioName} ({o.Model.ToString().ToLowerInvariant()} model) on " +
                          (targets.Count == 1 ? $"sale {sale.SaleId}, stock {sale.Stock:N0}" : $"{targets.Count} sales ({string.Join(", ", targets.Select(t => t.SaleId))}), stock {saleViews[0].Stock:N0} each, " +
                              $"each buyer on {o.SalesPerBuyer} of them") + $", at {o.Url}" +
                          (o.WaitingRoom ? $", through its waiting room (starts {sale.StartsAt:u}, outflow {o.OutflowPerMinute:N0}/min)" : ""), new Style());

        var recorder = new LoadRecorder();
        var runTag = Guid.NewGuid().ToString("N")[..8];
        var checkouts = o.HoldCheckout ? new Checkouts(api) : null;
        var buyers = new Buyers(o, runTag, feed);
        var opening = o.StartsIn is null ? null : new OpeningRecorder(Stopwatch.GetTimestamp() +
            (long)((DateTime.SpecifyKind(sale.StartsAt, DateTimeKind.Utc) - DateTime.UtcNow).TotalSeconds * Stopwatch.Frequency));
        var watch = new GeneratorWatch(o.MaxSendLag, o.MaxGeneratorCpu);
        using var stopArrivals = CancellationTokenSource.CreateLinkedTokenSource(stopCrowd);
        // With agents each follows its own winners and sends their figures with its result.
        var poller = o.PollClaimEvery > TimeSpan.Zero && o.Agents.Count == 0 ? new ClaimPoller(api, o.PollClaimEvery, o.SettleTime, ct) : null;
        BuyerFigures? buyerFigures = null;
        var stoppedEarly = new StrongBox<string?>();
        var driver = new CrowdDriver(o, api, targets, buyers, recorder, checkouts, opening, watch) { StopArrivals = stopArrivals.Token, Poller = poller };
        var coordinator = o.Agents.Count == 0 ? null
            : new AgentCoordinator(o, targets, runTag, o.StartsIn is null ? null : new DateTimeOffset(DateTime.SpecifyKind(sale.StartsAt, DateTimeKind.Utc)), recorder, opening)
            {
                StopArrivals = stopArrivals.Token,
            };
        AgentsReport? agents = null;
        using var metricsHttp = FlashSaleApi.Client(o.Url, null, 1, TimeSpan.FromSeconds(5));
        var scraper = o.ScrapeMetrics ? new ServiceMetricsScraper(metricsHttp, targets.Select(t => t.SaleId).ToHashSet(StringComparer.Ordinal), Stopwatch.GetTimestamp()) : null;
        using var roomApi = o.WaitingRoom ? new WaitingRoomApi(o.Url, o.StorefrontKey, o.Connections, o.Timeout) : null;
        var queueBook = o.WaitingRoom ? new QueueBook(o.Users) : null;
        var queueRecorder = o.WaitingRoom ? new QueueRecorder(Stopwatch.GetTimestamp()) : null;
        RunFigures figures;
        GeneratorFigures generator;
        AuditReport audit;
        FairnessReport? fairness = null;
        await using (var view = new ProgressView(console, o.Progress))
        {
            view.Start();
            var clock = Stopwatch.StartNew();
            var phase = new StrongBox<string>(o.WaitingRoom ? "waiting room" : $"{o.ScenarioName} traffic");
            using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Sampling goes on through the settle phase, so the charts show the sale being paid after the crowd left.
            using var exporter = o.MetricsListen is null ? null : new LiveMetricsExporter(o.MetricsListen);
            if (o.MetricsListen is not null) view.Message($"live figures on http://{o.MetricsListen}/metrics");
            var abortOn = new AbortCheck(thresholds.Where(t => t.AbortOnFail).ToList(), recorder, clock, stopArrivals, stoppedEarly);
            await using var onStop = stopCrowd.Register(() => stoppedEarly.Value ??= $"interrupted (Ctrl-C) {clock.Elapsed.TotalSeconds:0.0} s into the traffic");
            var sampler = SampleAsync(api, sale, targets, recorder, driver, view, watch, abortOn, exporter, () => phase.Value != "settling", () => queueBook is null || phase.Value != "waiting room" ? phase.Value!
                : $"waiting room: joined {queueBook.Joined:N0}/{o.Users:N0}, waiting {queueBook.Waiting:N0}, admitted {queueBook.AdmittedSeen:N0}, polls {queueRecorder!.Polls:N0}",
                stopSampling.Token);
            var scraping = scraper?.RunAsync(TimeSpan.FromSeconds(1), stopSampling.Token) ?? Task.CompletedTask;
            try
            {
                if (roomApi is not null)
                    await new WaitingRoomCrowd(o, roomApi, sale.SaleId, buyers, driver, queueRecorder!, queueBook!, sale.EndsAt).RunAsync(new Random(o.Seed), ct);
                else if (coordinator is not null) await coordinator.RunAsync(ct);
                else await driver.RunAsync(new Random(o.Seed), ct);
                var seconds = clock.Elapsed.TotalSeconds;
                recorder.Sample(recorder.Count(Outcome.Admitted), null);
                figures = RunFigures.From(recorder, seconds);
                generator = watch.Figures(recorder.Sent, recorder.Dropped, recorder.Late);
                if (coordinator is not null)
                {
                    agents = coordinator.Report(figures);
                    generator = agents.Generator ?? generator;
                    buyerFigures = coordinator.Buyers();
                    if (buyerFigures is not null) figures.ClickToPaid = buyerFigures.ClickToPaid;
                    view.Message($"{agents.Agents.Count} agents: " + string.Join(", ", agents.Agents.Select(a => $"{a.Address} sent {a.Sent:N0}")) +
                                 (agents.UnionHolds ? "; merged histograms = the union of theirs (checked)" : "; MERGE BROKEN: " + string.Join("; ", agents.Problems)));
                }
                if (poller is not null)
                {
                    view.Message($"traffic done in {seconds:0.0} s; the winners follow their claims to the end");
                    await poller.DrainAsync(ct);
                    buyerFigures = poller.Figures();
                    figures.ClickToPaid = buyerFigures.ClickToPaid;
                }
                phase.Value = "settling";
                view.Message($"traffic done in {seconds:0.0} s; settling and auditing (up to {o.SettleTime.TotalSeconds:0} s)");
                // Each sale is audited on its own, side by side, so the settle waits overlap.
                var parts = await Task.WhenAll(saleViews.Select(async (v, i) => (v.SaleId,
                    await new InvariantAuditor(api, v.SaleId, v.Stock, v.ClaimsPerUser, targets[i].Book, o.SettleTime, o.PollLimit, exclusive, o.HoldCheckout)
                        .AuditAsync(m => { view.Message(targets.Count == 1 ? m : $"{v.SaleId}: {m}"); return Task.CompletedTask; }, ct))));
                audit = AuditReport.Combine(parts);
                if (queueBook is not null)
                {
                    view.Message("verifying the shuffle and auditing the fairness");
                    fairness = await AuditFairnessAsync(o, sale, audit, targets[0].Book, buyers, queueBook, stoppedEarly.Value is not null, ct);
                    audit = audit with { Invariants = [.. audit.Invariants, fairness.Result] };
                }
            }
            catch (Exception e) when (e is SetupException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                var why = $"The audit could not read the sale: {e.Message}";
                console.WriteLine(why, new Style(Color.Red));
                return RehearsalResult.Failed(ExitCodes.Crashed, why);
            }
            finally
            {
                await stopSampling.CancelAsync();
                await sampler;
                await scraping;
            }
            figures = figures.WithBuckets(recorder.Buckets);
            if (checkouts is not null)
                view.Message($"hold checkout: {checkouts.Started} checkouts, {checkouts.Abandoned} holds abandoned, {checkouts.Refused} checkouts refused" +
                             (checkouts.Refused == 0 ? "" : $" ({string.Join(", ", checkouts.RefusedBy.Select(r => $"{r.Key} {r.Value}"))})"));
            view.Message("audit done");
        }

        var judged = thresholds.Select(t =>
        {
            var measured = t.Measure(figures);
            return new ThresholdResult(t, measured, t.Holds(measured));
        }).ToList();
        var (exitCode, verdict) = Judge(audit, judged, generator);
        if (agents is { UnionHolds: false })
            (exitCode, verdict) = (ExitCodes.Crashed, $"FAIL: the agents' figures were not merged whole ({string.Join("; ", agents.Problems)}); {verdict}");
        var queue = queueRecorder?.Figures();
        var report = new ReportModel(o, sale, figures, audit, judged, exitCode, verdict, DateTimeOffset.UtcNow)
        {
            Queue = queue, QueueEndings = queueBook?.Endings, Fairness = fairness, Opening = opening?.Buckets(),
            Service = scraper?.Samples, ServiceScrapeFailures = scraper?.Failures ?? 0, Generator = generator, Agents = agents,
            StoppedEarly = stoppedEarly.Value, Buyers = buyerFigures,
            Sales = targets.Count == 1 ? null : targets.Select(t => SaleFigures.Of(t, saleViews[t.Index], audit.PerSale![t.Index].Audit)).ToList(),
        };
        var (markdown, html) = ReportWriter.Write(report, o.OutputDirectory);
        var results = ResultsDocument.From(report);
        if (o.ResultsPath is { } json) await ResultsWriter.WriteJsonAsync(results, json, CancellationToken.None);
        if (o.CsvPath is { } csv) await ResultsWriter.WriteCsvAsync(results.Timeline, csv, CancellationToken.None);
        SummaryPrinter.Print(console, report, markdown, html);
        return new RehearsalResult(exitCode, verdict, sale.SaleId, figures, audit, judged, markdown, html) { Queue = queue, Fairness = fairness, Generator = generator, Agents = agents, StoppedEarly = stoppedEarly.Value, Sales = report.Sales };
    }

    /// <summary>Verifies the served order from the seed, as <c>verify</c> does, and judges the crowd's outcome against it.</summary>
    private static async Task<FairnessReport> AuditFairnessAsync(
        LoadOptions o, SaleView sale, AuditReport audit, ClaimBook book, Buyers buyers, QueueBook queue, bool stoppedEarly, CancellationToken ct)
    {
        using var fairnessApi = new FairnessApi(o.Url, o.StorefrontKey);
        var verification = await FairnessVerifier.VerifyAsync(fairnessApi, sale.SaleId, ct);
        // A crowd stopped early is judged on the buyers who came: those whose join went out.
        var queued = Enumerable.Range(0, queue.Buyers).Where(n => !stoppedEarly || queue.Tried(n)).Select(n =>
        {
            if (queue.Ticket(n) is not { } ticket) return null;
            var claims = book.Users.TryGetValue(buyers.UserId(n), out var holder) ? holder.Admitted.ToList() : [];
            var paid = claims.Any(c => audit.StatusOf.GetValueOrDefault(c) == ClaimStatuses.Paid);
            return new QueuedBuyer(ticket, queue.JoinedAt(n), queue.WasAdmitted(n), claims.Count > 0, paid);
        }).ToList();
        var unitsCameBack = audit.Counts is { Released: > 0 };
        return FairnessAudit.Judge(verification.Check, verification.Order, queued, sale.Stock, unitsCameBack, stoppedEarly);
    }

    private static async Task<(IReadOnlyList<SaleView> Sales, bool Exclusive)> PrepareSalesAsync(LoadOptions o, FlashSaleApi api, CancellationToken ct)
    {
        if (o.WaitingRoom)
        {
            // The setup's own calls take a moment: the start counts from after them, so every planned join precedes it.
            var lead = o.ArrivalWindow + o.StartLead + TimeSpan.FromSeconds(2);
            var room = new WaitingRoomPlan(DateTimeOffset.UtcNow + lead, o.PrequeueMinutes ?? (int)Math.Ceiling(lead.TotalMinutes) + 1,
                o.OutflowPerMinute, o.TokenSeconds);
            // Open long enough for the whole stock to be let in at the outflow, with room to spare.
            var admitting = TimeSpan.FromMinutes(1.5 * o.Stock / o.OutflowPerMinute);
            return ([await CreateAsync(lead + admitting + TimeSpan.FromMinutes(30) + o.SettleTime, null, room)], true);
        }
        if (o.StartsIn is { } startsIn)
        {
            // Every sale opens at the same T0: the opening is the crowd's, whichever sale each buyer clicks on.
            var t0 = DateTimeOffset.UtcNow + startsIn;
            return (await CreateAllAsync(startsIn + TimeSpan.FromMinutes(30) + o.ArrivalWindow + o.SettleTime, t0), true);
        }
        if (o.SaleId is null)
        {
            var planned = o.Scenario == Scenario.FlashCrowd ? o.ArrivalWindow : o.Duration;
            return (await CreateAllAsync(TimeSpan.FromMinutes(30) + planned + o.SettleTime, null), true);
        }
        var sale = await api.GetSaleAsync(o.SaleId, ct);
        if (sale.Status != "live" || sale.Counts is null)
            throw new SetupException($"sale {o.SaleId} is {sale.Status}{(sale.Counts is null ? " and not preloaded" : "")}; a rehearsal needs a live, preloaded sale");
        // With claims already on it the audit cannot expect the counts to equal what this run saw.
        return ([sale], sale.Counts.Admitted == 0);

        async Task<IReadOnlyList<SaleView>> CreateAllAsync(TimeSpan openFor, DateTimeOffset? startsAt)
        {
            var sales = new List<SaleView>();
            for (var i = 0; i < o.Sales; i++) sales.Add(await CreateAsync(openFor, startsAt, null));
            return sales;
        }

        async Task<SaleView> CreateAsync(TimeSpan openFor, DateTimeOffset? startsAt, WaitingRoomPlan? room)
        {
            var created = await api.CreateSaleAsync(o.Stock, openFor, o.Checkout, o.HoldSeconds, ct, room, startsAt, perUserLimit: o.Quantity, poolShards: o.PoolShards);
            await api.PreloadAsync(created.SaleId, ct);
            return await api.GetSaleAsync(created.SaleId, ct);
        }
    }

    private static async Task SampleAsync(
        FlashSaleApi api, SaleView sale, IReadOnlyList<TargetSale> targets, LoadRecorder recorder, CrowdDriver driver, ProgressView view, GeneratorWatch watch, AbortCheck abortOn,
        LiveMetricsExporter? exporter, Func<bool> traffic, Func<string> phase, CancellationToken ct)
    {
        var warned = false;
        var counts = sale.Counts;
        Task<SaleCounts?>? poll = null;
        using var timer = new PeriodicTimer(SampleEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                // The counts poll runs beside the sampling so a slow service never stalls the live view.
                if (poll is { IsCompleted: true })
                {
                    if (poll.IsCompletedSuccessfully && poll.Result is { } c) counts = c;
                    poll = null;
                }
                poll ??= CountsAsync(api, targets, ct).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
                var bucket = recorder.Sample(recorder.Count(Outcome.Admitted), counts?.Remaining, counts?.Paid, counts?.InFlight);
                if (traffic() && abortOn.Check() is { } aborted) view.Message($"ABORTING the crowd: {aborted}; auditing what happened");
                // Only the crowd's CPU counts: the audit's polling afterwards is not load on the service.
                var cpu = traffic() ? watch.SampleCpu() : 0;
                if (cpu >= watch.MaxCpuShare && !warned)
                {
                    warned = true;
                    view.Message($"WARNING: the generator itself is at {cpu:P0} of the machine's CPU: from here the figures measure the tool as much as the service");
                }
                var total = recorder.Total();
                var snapshot = new ProgressSnapshot(bucket.AtSeconds, bucket.RequestsPerSecond,
                    Outcomes.All.ToDictionary(x => x, recorder.Count), LoadRecorder.Ms(total, 50), LoadRecorder.Ms(total, 99),
                    counts?.Remaining, sale.Stock, driver.InFlight, recorder.Dropped, recorder.Late, phase(), counts?.Paid);
                view.Update(snapshot);
                exporter?.Update(snapshot, cpu, recorder.Sent);
            }
        }
        catch (OperationCanceledException)
        {
            // The audit is over.
        }
        if (poll is not null) await poll;
    }

    /// <summary>The live counts of every sale of the run, summed.</summary>
    private static async Task<SaleCounts?> CountsAsync(FlashSaleApi api, IReadOnlyList<TargetSale> targets, CancellationToken ct) =>
        targets.Count == 1 ? await api.GetCountsAsync(targets[0].SaleId, ct)
            : SaleCounts.Sum(await Task.WhenAll(targets.Select(t => api.GetCountsAsync(t.SaleId, ct))));

    /// <summary>
    /// The lowest-numbered broken invariant decides the code; then a saturated generator (its figures are the tool's, and
    /// any threshold it missed may be its own doing); thresholds only when neither.
    /// </summary>
    public static (int ExitCode, string Verdict) Judge(AuditReport audit, IReadOnlyList<ThresholdResult> thresholds, GeneratorFigures? generator = null)
    {
        var broken = audit.Invariants.Where(i => !i.Passed).ToList();
        var missed = thresholds.Where(t => !t.Passed).ToList();
        var saturated = generator is { Saturated: true };
        var parts = broken.Select(i => $"invariant {i.Number} {i.Label} broken")
            .Concat(saturated ? [$"the generator was the bottleneck ({string.Join("; ", generator!.Reasons)})"] : [])
            .Concat(missed.Select(t => $"threshold {t.Threshold.Text} missed ({t.Threshold.Format(t.Measured)})")).ToList();
        if (broken.Count > 0) return (broken.Min(i => i.ExitCode), "FAIL: " + string.Join("; ", parts));
        if (saturated) return (ExitCodes.GeneratorSaturated, "INCONCLUSIVE: " + string.Join("; ", parts));
        if (missed.Count > 0) return (ExitCodes.ThresholdMissed, "FAIL: " + string.Join("; ", parts));
        return (ExitCodes.Passed, "PASS: every threshold and invariant holds");
    }
}
