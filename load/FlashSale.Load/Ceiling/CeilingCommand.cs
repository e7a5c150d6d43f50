using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using static FlashSale.Load.Cli.OptionValues;

namespace FlashSale.Load.Ceiling;

/// <summary>
/// <c>FlashSale.Load ceiling --url http://127.0.0.1:8090/healthz</c>: the generator alone against a trivial endpoint, so
/// its own ceiling is known (answers per second, CPU per request) and can be set beside wrk's on the same machine
/// (load/measure-generator.sh). Closed model by default, like wrk's connections; <c>--rate</c> for the open model's
/// scheduler, whose send lag it reports too. Prints one JSON line last.
/// </summary>
public static class CeilingCommand
{
    public sealed record Result(
        string Model, int Concurrency, double Seconds, long Requests, long Errors, double PerSecond, double CpuSeconds, double CpuMicrosPerRequest,
        double SendLagP99Ms, long Dropped, bool Saturated);

    public static Command Build()
    {
        var url = new Option<Uri>("--url") { Description = "a trivial GET endpoint", Required = true, CustomParser = r => new Uri(r.Tokens.Single().Value) };
        var duration = Duration("--duration", TimeSpan.FromSeconds(10), "how long to measure (after a 1 s warm-up)");
        var concurrency = Int("--concurrency", 64, 1, 100_000, "closed model: requests in flight at once");
        var rate = OptionalDouble("--rate", 1, 10_000_000, "open model at this many requests/s instead of the closed loop");
        var connections = Int("--connections", 64, 1, 100_000, "HTTP connections");
        var command = new Command("ceiling", "Measures the generator's own ceiling against a trivial endpoint (load/measure-generator.sh).")
            { url, duration, concurrency, rate, connections };
        command.SetAction(async (p, ct) =>
        {
            var result = await RunAsync(p.GetValue(url)!, p.GetValue(duration), p.GetValue(concurrency), p.GetValue(rate), p.GetValue(connections), ct);
            Console.WriteLine($"{result.Model}: {result.Requests:N0} answers in {result.Seconds:0.00} s = {result.PerSecond:N0}/s, {result.Errors:N0} errors; " +
                              $"CPU {result.CpuSeconds:0.00} s = {result.CpuMicrosPerRequest:0.0} µs per request; send lag p99 {result.SendLagP99Ms:0.00} ms, dropped {result.Dropped:N0}");
            Console.WriteLine(JsonSerializer.Serialize(result, FlashSaleApi.Json));
            return result.Errors > result.Requests / 100 ? ExitCodes.SetupFailed : result.Saturated ? ExitCodes.GeneratorSaturated : ExitCodes.Passed;
        });
        return command;
    }

    public static async Task<Result> RunAsync(Uri url, TimeSpan duration, int concurrency, double? rate, int connections, CancellationToken ct)
    {
        using var http = FlashSaleApi.Client(new Uri(url.GetLeftPart(UriPartial.Authority) + "/"), null, connections, TimeSpan.FromSeconds(10));
        var path = url.PathAndQuery.TrimStart('/');
        long requests = 0, errors = 0, dropped = 0;
        var measuring = false;
        async Task OneAsync()
        {
            try
            {
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                if (!measuring) return;
                Interlocked.Increment(ref requests);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            }
            catch (HttpRequestException)
            {
                if (measuring) Interlocked.Increment(ref errors);
            }
        }

        var watch = new GeneratorWatch(TimeSpan.FromMilliseconds(50), 0.9);
        var warmUp = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var end = warmUp + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var cpu = TimeSpan.Zero;
        var started = 0L;
        var timer = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            (cpu, started, measuring) = (Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp(), true);
            watch = new GeneratorWatch(TimeSpan.FromMilliseconds(50), 0.9);
        }, ct);
        if (rate is { } r)
        {
            // The open model's scheduler, as the rehearsal's: each request at its planned moment, none past the in-flight cap.
            long inFlight = 0, n = 0;
            var t0 = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < end && !ct.IsCancellationRequested)
            {
                var due = t0 + (long)(n / r * Stopwatch.Frequency);
                var now = Stopwatch.GetTimestamp();
                if (due > now)
                {
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min((double)(due - now) / Stopwatch.Frequency, 0.05)), ct);
                    continue;
                }
                n++;
                if (Interlocked.Read(ref inFlight) >= concurrency * 100L)
                {
                    if (measuring) dropped++;
                    continue;
                }
                if (measuring) watch.Sent(now - due);
                Interlocked.Increment(ref inFlight);
                _ = OneAsync().ContinueWith(_ => Interlocked.Decrement(ref inFlight), TaskScheduler.Default);
            }
        }
        else
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < end && !ct.IsCancellationRequested) await OneAsync();
            }, ct)));
        }
        await timer;
        measuring = false;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var figures = watch.Figures(requests, dropped, 0);
        return new Result(rate is null ? "closed" : $"open at {rate:0}/s", concurrency, seconds, requests, errors, requests / seconds, cpuSeconds,
            requests == 0 ? 0 : cpuSeconds * 1e6 / requests, figures.SendLagP99Ms, dropped, rate is not null && figures.Saturated);
    }
}
