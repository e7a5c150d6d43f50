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
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException && ct.IsCancellationRequested)
            {
                return;
            }
            // One run at a time is what a coordinator asks of an agent; a second coordinator waits its turn.
            try
            {
                await HandleAsync(context, log, ct);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or JsonException or FormatException)
            {
                await log.WriteLineAsync($"agent: the run's stream broke: {e.Message}");
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private static async Task HandleAsync(HttpListenerContext context, TextWriter log, CancellationToken ct)
    {
        var response = context.Response;
        if (context.Request.HttpMethod == "GET" && context.Request.Url?.AbsolutePath == "/healthz")
        {
            await response.OutputStream.WriteAsync("ok"u8.ToArray(), ct);
            return;
        }
        if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/run")
        {
            response.StatusCode = 404;
            return;
        }
        var job = await JsonSerializer.DeserializeAsync<AgentJob>(context.Request.InputStream, FlashSaleApi.Json, ct)
                  ?? throw new JsonException("an empty job");
        await log.WriteLineAsync($"agent: share {job.Share + 1} of {job.Shares} of sale {job.SaleId}, starting at {DateTimeOffset.FromUnixTimeMilliseconds(job.StartAtUnixMs):HH:mm:ss.fff}");
        response.SendChunked = true;
        response.ContentType = "text/plain";
        await using var writer = new StreamWriter(response.OutputStream, new UTF8Encoding(false)) { AutoFlush = false };
        await writer.WriteLineAsync("#[HdrHistogram interval log of a FlashSale agent: one line per outcome and interval]");
        await writer.FlushAsync(ct);

        var o = job.Options;
        using var api = new FlashSaleApi(o.Url, o.AdminKey, o.StorefrontKey, o.Connections, o.Timeout);
        var recorder = new LoadRecorder();
        var book = new ClaimBook();
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
        if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
        var opening = job.T0UnixMs is { } t0
            ? new OpeningRecorder(Stopwatch.GetTimestamp() + (long)((DateTimeOffset.FromUnixTimeMilliseconds(t0) - DateTimeOffset.UtcNow).TotalSeconds * Stopwatch.Frequency))
            : null;
        var watch = new GeneratorWatch(o.MaxSendLag, o.MaxGeneratorCpu);
        var checkouts = o.HoldCheckout ? new Checkouts(api, job.SaleId) : null;
        var driver = new CrowdDriver(o, api, job.SaleId, new Buyers(o, job.RunTag, o.UsersFile is null ? null : UserFeed.Load(o.UsersFile)), recorder, book, checkouts, opening, watch, new AgentShare(job.Share, job.Shares));
        var run = driver.RunAsync(new Random(o.Seed), ct);
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
        var claims = book.Users.Select(u => new AgentClaims(u.Key, u.Value.PaymentMethodId, u.Value.Admitted, u.Value.Seen.ToList())).ToList();
        var result = new AgentResult(recorder.Sent, recorder.Dropped, recorder.Late, recorder.ErrorCodes.ToDictionary(), claims, generator);
        await writer.WriteLineAsync(AgentLog.ResultPrefix + JsonSerializer.Serialize(result, FlashSaleApi.Json));
        await writer.FlushAsync(ct);
        await log.WriteLineAsync($"agent: done, {recorder.Sent:N0} sent, {recorder.Answered:N0} answered");

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
