using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// The service binary as a separate OS process (<c>dotnet FlashSale.Service.dll --role ...</c>) on a free loopback
/// port, so a test can <c>kill -9</c> it the way a crash or an OOM killer would, and start it again.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private ServiceProcess(string role, IDictionary<string, string?> settings)
    {
        Role = role;
        Port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ServiceDll)!,
        };
        foreach (var arg in new[] { ServiceDll, "--role", role, "--urls", BaseAddress.ToString().TrimEnd('/') }) start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings.Where(s => s.Key != "urls")) start.Environment[key.Replace(":", "__")] = value;
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Role { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public int Pid => _process.Id;

    /// <summary>Starts the process and waits until it serves <c>/readyz</c> with 200.</summary>
    public static async Task<ServiceProcess> StartAsync(string role, IDictionary<string, string?> settings)
    {
        var service = new ServiceProcess(role, settings);
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Eventually.True(async () =>
            {
                if (service._process.HasExited) throw new InvalidOperationException($"The {role} process exited with {service._process.ExitCode}:\n{service.Output}");
                try { return (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK; }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) { return false; }
            }, TimeSpan.FromSeconds(60), $"the {role} process is ready");
        }
        catch
        {
            service.Dispose();
            throw;
        }
        return service;
    }

    public FlashSaleClient Client(string key)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new FlashSaleClient(http);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed, committed or closed.</summary>
    public void Kill()
    {
        if (_disposed || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    // Idempotent: a test disposes the process it killed, and its using disposes it again (or only that, on failure).
    public void Dispose()
    {
        if (_disposed) return;
        Kill();
        _disposed = true;
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>The service's own build output, beside the solution, in this test build's configuration.</summary>
    private static string ServiceDll
    {
        get
        {
            var baseDir = AppContext.BaseDirectory;
            var configuration = baseDir.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
            var dir = new DirectoryInfo(baseDir);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FlashSale.sln"))) dir = dir.Parent;
            if (dir is null) throw new InvalidOperationException($"FlashSale.sln not found above {baseDir}");
            var dll = Path.Combine(dir.FullName, "src", "FlashSale.Service", "bin", configuration, "net10.0", "FlashSale.Service.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"The service is not built at {dll}");
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
