using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>The service binary as a separate OS process in one role, which a test can kill -9 and start again.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private ServiceProcess(Process process, string log, int port)
    {
        _process = process;
        _log = log;
        Url = $"http://127.0.0.1:{port}";
    }

    public string Url { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static async Task<ServiceProcess> StartAsync(string role, FaultStores stores, IDictionary<string, string>? settings = null)
    {
        if (!File.Exists(Repo.ServiceDll)) throw new InvalidOperationException($"Service binary not built: {Repo.ServiceDll}");
        var port = FreePort();
        var log = Path.Combine(FaultStores.StateDir, $"{role}-{port}.log");
        var start = new ProcessStartInfo("dotnet", [Repo.ServiceDll, "--role", role, "--urls", $"http://127.0.0.1:{port}"])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Repo.ServiceDll)!,
        };
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["FlashSale__AdminKey"] = ServiceFixture.AdminKey,
            ["FlashSale__StorefrontKey"] = ServiceFixture.StorefrontKey,
            ["FlashSale__Redis__Configuration"] = stores.RedisConfiguration,
            ["FlashSale__Postgres__ConnectionString"] = stores.PostgresConnectionString,
            ["FlashSale__Queue__ReclaimAfter"] = "00:00:02",
            ["FlashSale__Queue__IdlePoll"] = "00:00:00.010",
            ["FlashSale__Reconciler__Interval"] = "00:00:00.500",
            ["FlashSale__Reconciler__RequeueGrace"] = "00:00:02",
            ["FlashSale__Reconciler__ReservationTtl"] = "00:01:00",
            ["FlashSale__Payments__Simulated__Latency"] = "00:00:00.020",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) env[key] = value;
        foreach (var (key, value) in env) start.Environment[key] = value;

        var process = Process.Start(start)!;
        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(process, log, port);
        await service.WaitHealthyAsync();
        return service;
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The service exited at start; see {_log}");
            try
            {
                if ((await http.GetAsync($"{Url}/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The service did not answer /healthz within 60 s; see {_log}");
    }

    public FlashSaleClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new FlashSaleClient(http);
    }

    /// <summary>SIGKILL: no shutdown hook runs, in-flight work is simply gone.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
