using System.Net;
using System.Net.Sockets;

namespace FlashSale.Testing;

/// <summary>
/// A loopback TCP forwarder to a real server whose client-to-server direction can be held: while paused, what
/// clients send waits in the proxy and reaches the server on resume, as over a link that stalls. For putting a
/// pause between two steps of the service that talk to that server, without touching its code.
/// </summary>
public sealed class PausableTcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly IPEndPoint _target;
    private TaskCompletionSource _open = Opened();

    public PausableTcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Pause() => Interlocked.Exchange(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Resume() => Volatile.Read(ref _open).TrySetResult();

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                var up = PumpAsync(client.GetStream(), server.GetStream(), hold: true);
                var down = PumpAsync(server.GetStream(), client.GetStream(), hold: false);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // One side went away: the other is closed with it.
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to, bool hold)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0) return;
            if (hold) await Volatile.Read(ref _open).Task.WaitAsync(_stop.Token);
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Resume();
    }
}
