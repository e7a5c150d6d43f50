using System.Net;
using System.Net.Sockets;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Cli;
using FlashSale.Testing;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary><c>--metrics-listen</c>: the tool's own live figures in Prometheus format while the crowd runs.</summary>
[Collection(ServiceCollection.Name)]
public sealed class LiveMetricsTests(ServiceFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task The_tools_live_figures_are_served_in_Prometheus_format_during_the_run()
    {
        var port = FreePort();
        using var stopCrowd = new CancellationTokenSource();
        var run = RehearsalRun.RunAsync(app, output, stopCrowd.Token,
            "--users", "1000", "--stock", "1000", "--arrival-window", "30s", "--settle", "45s", "--metrics-listen", $"127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string? seen = null;
        try
        {
            await Eventually.True(async () =>
            {
                try
                {
                    var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                    if (!text.Split('\n').Any(l => l.StartsWith("flashsale_rehearsal_answers_total{outcome=\"admitted\"}", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)))
                        return false;
                    seen = text;
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, within: TimeSpan.FromSeconds(30), because: "the live endpoint shows admitted answers while the crowd runs");
        }
        finally
        {
            await stopCrowd.CancelAsync();
        }
        var (result, _) = await run;
        output.WriteLine(seen);
        Assert.True(result.ExitCode == ExitCodes.Passed, result.Verdict);
        foreach (var series in new[] { "flashsale_rehearsal_sent_total", "flashsale_rehearsal_in_flight", "flashsale_rehearsal_latency_p99_seconds", "flashsale_rehearsal_generator_cpu_share" })
            Assert.Contains(series, seen);
        // The run is over: the endpoint went with it.
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
