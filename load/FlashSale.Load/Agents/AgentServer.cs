using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using FlashSale.Load.Traffic;

namespace FlashSale.Load.Agents;

/// <summary>
/// <c>FlashSale.Load agent --listen HOST:PORT</c>: the same tool, waiting for a coordinator (<c>--agents</c>) to hand it a
/// share of a run. It sends its buyers' claims itself, streams its latencies back as an HdrHistogram interval log, and
/// ends with its counters and claims; the coordinator merges them and runs the one audit and the one report.
/// </summary>
public static class AgentServer
{
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(500);

    public static Command Build()
    {
        var listen = new Option<string>("--listen") { Description = "HOST:PORT to wait for a coordinator on", Required = true };
        var command = new Command("agent", "Runs shares of rehearsals for a coordinator (make rehearse ARGS=\"agent --listen 0.0.0.0:7400\"; then --agents HOST:PORT,...).")
            { listen };
        command.SetAction(async (p, ct) =>
        {
            await RunAsync(p.GetValue(listen)!, Console.Out, ct);
            return ExitCodes.Passed;
        });
        return command;
    }

    public static async Task RunAsync(string hostPort, TextWriter log, CancellationToken ct)
    {
        using var listener = new HttpListener();
        var host = hostPort[..hostPort.LastIndexOf(':')];
        listener.Prefixes.Add($"http://{(host is "0.0.0.0" or "" ? "+" : host)}:{hostPort[(hostPort.LastIndexOf(':') + 1)..]}/");
        listener.Start();
        await log.WriteLineAsync($"agent listening on {hostPort}");
        await using var stop = ct.Register(listener.Stop);
        var runs = new Runs();
        var handling = new List<Task>();
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException && ct.IsCancellationRequested)
            {
                break;
            }
            // Each request on its own: a coordinator's stop must be heard while its run streams.
            handling.RemoveAll(t => t.IsCompleted);
            handling.Add(Task.Run(() => ServeAsync(context, runs, log, ct), CancellationToken.None));
        }
        await Task.WhenAll(handling);
    }

    private static async Task ServeAsync(HttpListenerContext context, Runs runs, TextWriter log, CancellationToken ct)
    {
        try
        {
            await HandleAsync(context, runs, log, ct);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or JsonException or FormatException or OperationCanceledException)
        {
            await log.WriteLineAsync($"agent: the run's stream broke: {e.Message}");
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                // The coordinator is gone already.
            }
        }
    }

    /// <summary>The runs under way, by run tag, so that <c>POST /stop?run=TAG</c> reaches the one it names.</summary>
    private sealed class Runs
    {
        // One run at a time is what a coordinator asks of an agent; a second coordinator waits its turn.
        public SemaphoreSlim One { get; } = new(1, 1);
        public ConcurrentDictionary<string, CancellationTokenSource> Stops { get; } = new(StringComparer.Ordinal);
    }

    private static async Task HandleAsync(HttpListenerContext context, Runs runs, TextWriter log, CancellationToken ct)
    {
        var response = context.Response;
        var path = context.Request.Url?.AbsolutePath;
        if (context.Request.HttpMethod == "GET" && path == "/healthz")
        {
            await response.OutputStream.WriteAsync("ok"u8.ToArray(), ct);
            return;
        }
        if (context.Request.HttpMethod == "POST" && path == "/stop")
        {
            var tag = context.Request.QueryString["run"] ?? "";
            if (runs.Stops.TryGetValue(tag, out var stopRun))
            {
                await log.WriteLineAsync($"agent: the coordinator stops run {tag}: no new arrival, the requests in flight finish");
                await stopRun.CancelAsync();
            }
            else response.StatusCode = 404;
            return;
        }
        if (context.Request.HttpMethod != "POST" || path != "/run")
        {
            response.StatusCode = 404;
            return;
        }
        var job = await JsonSerializer.DeserializeAsync<AgentJob>(context.Request.InputStream, FlashSaleApi.Json, ct)
                  ?? throw new JsonException("an empty job");
        using var stopCrowd = new CancellationTokenSource();
        runs.Stops[job.RunTag] = stopCrowd;
        try
        {
            await runs.One.WaitAsync(ct);
            try
            {
                await RunJobAsync(job, response, log, stopCrowd.Token, ct);
            }
            finally
            {
                runs.One.Release();
            }
        }
        finally
        {
            runs.Stops.TryRemove(job.RunTag, out _);
        }
    }

    private static async Task RunJobAsync(AgentJob job, HttpListenerResponse response, TextWriter log, CancellationToken stopCrowd, CancellationToken ct)
    {
        await log.WriteLineAsync($"agent: share {job.Share + 1} of {job.Shares} of sale {string.Join(", ", job.SaleIds ?? [job.SaleId])}, starting at {DateTimeOffset.FromUnixTimeMilliseconds(job.StartAtUnixMs):HH:mm:ss.fff}");
        response.SendChunked = true;
        response.ContentType = "text/plain";
        await using var writer = new StreamWriter(response.OutputStream, new UTF8Encoding(false)) { AutoFlush = false };
        await writer.WriteLineAsync("#[HdrHistogram interval log of a FlashSale agent: one line per outcome and interval]");
        await writer.FlushAsync(ct);

        var o = job.Options;
        using var api = new FlashSaleApi(o.Url, o.AdminKey, o.StorefrontKey, o.Connections, o.Timeout);
        var recorder = new LoadRecorder();
        var sales = TargetSale.Of(job.SaleIds ?? [job.SaleId]);
        var lines = new List<string>();
        var intervalStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        recorder.IntervalTap = (outcome, part) =>
        {
            if (part.TotalCount > 0) lines.Add(AgentLog.Line(part, outcome.Name(), intervalStart, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        };
        // A fresh agent's first requests would pay for connecting and compiling the client's path: done before the start.
        using (var warm = FlashSaleApi.Client(o.Url, null, 1, TimeSpan.FromSeconds(5)))
        {
            try
            {
                using var _ = await warm.GetAsync("healthz", ct);
            }
            catch (HttpRequestException e)
            {
                await log.WriteLineAsync($"agent: {o.Url} does not answer yet: {e.Message}");
            }
        }
        var wait = DateTimeOffset.FromUnixTimeMilliseconds(job.StartAtUnixMs) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero && !stopCrowd.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, stopCrowd);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Stopped before the start: the plan sends nothing, and the agent still reports.
            }
        }
        var opening = job.T0UnixMs is { } t0
            ? new OpeningRecorder(Stopwatch.GetTimestamp() + (long)((DateTimeOffset.FromUnixTimeMilliseconds(t0) - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency))
            : null;
        var watch = new GeneratorWatch(o.MaxSendLag, o.MaxGeneratorCpu);
        var checkouts = o.HoldCheckout ? new Checkouts(api) : null;
        var poller = o.PollClaimEvery > TimeSpan.Zero ? new ClaimPoller(api, o.PollClaimEvery, o.SettleTime, ct) : null;
        var driver = new CrowdDriver(o, api, sales, new Buyers(o, job.RunTag, o.UsersFile is null ? null : UserFeed.Load(o.UsersFile)), recorder, checkouts, opening, watch,
            new AgentShare(job.Share, job.Shares)) { StopArrivals = stopCrowd, Poller = poller };
        var run = RunAndFollowAsync();
        using (var timer = new PeriodicTimer(SampleEvery))
        {
            while (!run.IsCompleted && await timer.WaitForNextTickAsync(ct))
            {
                await FlushIntervalAsync();
                watch.SampleCpu();
            }
        }
        await run;
        await FlushIntervalAsync();
        var generator = watch.Figures(recorder.Sent, recorder.Dropped, recorder.Late);
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var outcome in Outcomes.All)
            await writer.WriteLineAsync(AgentLog.Line(recorder.Total(outcome), AgentLog.TotalPrefix + outcome.Name(), job.StartAtUnixMs, end));
        var claims = sales.SelectMany(t => t.Book.Users.Select(u => new AgentClaims(u.Key, u.Value.PaymentMethodId, u.Value.Admitted, u.Value.Seen.ToList(), t.Index))).ToList();
        var result = new AgentResult(recorder.Sent, recorder.Dropped, recorder.Late, recorder.ErrorCodes.ToDictionary(), claims, generator)
        {
            Buyers = poller?.Figures() is { } b ? new AgentBuyers(b.Polls, b.PollErrors, b.Endings, AgentLog.Line(b.ClickToPaid, "click-to-paid", job.StartAtUnixMs, end)) : null,
            Opening = opening?.Parts().Select(p => new AgentOpeningBucket(p.Index, p.Counts, AgentLog.Line(p.Latency, "opening", job.StartAtUnixMs, end))).ToList(),
            StoppedEarly = stopCrowd.IsCancellationRequested,
            Sales = sales.Count == 1 ? null : sales.Select(t => new AgentSaleTally(t.Index, t.Tally.Counts(), AgentLog.Line(t.Tally.Latency(), "sale", job.StartAtUnixMs, end))).ToList(),
        };
        await writer.WriteLineAsync(AgentLog.ResultPrefix + JsonSerializer.Serialize(result, FlashSaleApi.Json));
        await writer.FlushAsync(ct);
        await log.WriteLineAsync($"agent: done, {recorder.Sent:N0} sent, {recorder.Answered:N0} answered");

        // The winners follow their claims once the crowd is done, as in a single process, before the agent's last word.
        async Task RunAndFollowAsync()
        {
            await driver.RunAsync(new Random(o.Seed), ct);
            if (poller is not null) await poller.DrainAsync(ct);
        }

        async Task FlushIntervalAsync()
        {
            recorder.Sample(recorder.Count(Outcome.Admitted), null);
            intervalStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var line in lines) await writer.WriteLineAsync(line);
            lines.Clear();
            await writer.FlushAsync(ct);
        }
    }
}
