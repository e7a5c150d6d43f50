using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FlashSale.Testing;

/// <summary>
/// A redis-server of one test's own, in a temp directory on a free loopback port, with every write fsynced
/// to the append-only file so it can be killed and started again with its data.
/// </summary>
public sealed class PrivateRedisServer : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("flashsale-redis-");
    private Process? _process;

    public int Port { get; } = FreePort();
    public string Address => $"127.0.0.1:{Port}";
    private string LogFile => Path.Combine(_dir.FullName, "redis.log");

    public void Start()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("The private redis-server is already running.");
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _dir.FullName, "--logfile", LogFile,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
        })
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("This test needs the redis-server binary on PATH (apt-get install redis-server).", e);
        }
    }

    /// <summary>Kills the server outright, as a crash would; the fsynced AOF keeps what it acknowledged.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>The server's log, for a failure message.</summary>
    public string Log() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log written)";

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        try { if (Directory.Exists(_dir.FullName)) _dir.Delete(recursive: true); }
        catch (IOException) { /* a temp dir left behind is harmless */ }
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
