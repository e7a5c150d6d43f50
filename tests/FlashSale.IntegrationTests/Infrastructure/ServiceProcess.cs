using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>
/// The service binary as a separate OS process (<c>dotnet FlashSale.Service.dll --role ...</c>) on a loopback port
/// of its own, so a test can <c>kill -9</c> it the way a crash or an OOM killer would, and start it again.
/// </summary>
/// <remarks>
/// The process binds port 0 and says which port it got: a port picked free here and bound there later can be taken
/// in between by another test's process, whose answers this one's readiness check would then take for its own.
/// </remarks>
public sealed partial class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    private ServiceProcess(string role, IDictionary<string, string?> settings)
    {
        Role = role;
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ServiceDll)!,
        };
        foreach (var arg in new[] { ServiceDll, "--role", role, "--urls", "http://127.0.0.1:0" }) start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // "Now listening on: ..." is how the process tells its port.
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings.Where(s => s.Key != "urls")) start.Environment[key.Replace(":", "__")] = value;
        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Role { get; }
    /// <summary>The port the process listens on (known once <see cref="StartAsync"/> returned).</summary>
    public int Port => _port.Task.IsCompletedSuccessfully ? _port.Task.Result : throw new InvalidOperationException("The process has not said its port yet.");
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public int Pid => _process.Id;

    /// <summary>Starts the process and waits until it serves <c>/readyz</c> with 200.</summary>
    public static async Task<ServiceProcess> StartAsync(string role, IDictionary<string, string?> settings)
    {
        var service = new ServiceProcess(role, settings);
        try
        {
            await Eventually.True(() => Task.FromResult(service._port.Task.IsCompleted || service._process.HasExited), TimeSpan.FromSeconds(60),
                () => service.Output, $"the {role} process says which port it listens on");
            if (!service._port.Task.IsCompleted) throw new InvalidOperationException($"The {role} process exited with {service._process.ExitCode}:\n{service.Output}");
            using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
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
        if (!_port.Task.IsCompleted && Listening().Match(line) is { Success: true } m) _port.TrySetResult(int.Parse(m.Groups[1].Value));
        lock (_output) _output.AppendLine(line);
    }

    [GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();

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
}
