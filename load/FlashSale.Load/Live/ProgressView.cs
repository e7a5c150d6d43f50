using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;
using Spectre.Console;

namespace FlashSale.Load.Live;

/// <summary>
/// Live progress: a Spectre.Console table redrawn in place on a terminal, one plain line per second when
/// the output is a file or a CI log (no cursor tricks there), or nothing.
/// </summary>
public sealed class ProgressView(IAnsiConsole console, ProgressMode mode) : IAsyncDisposable
{
    private readonly object _gate = new();
    private ProgressSnapshot? _latest;
    private string? _message;
    private Task? _live;
    private readonly CancellationTokenSource _stop = new();
    private DateTime _lastPlain = DateTime.MinValue;

    public bool IsLive { get; } = mode == ProgressMode.Live
        || (mode == ProgressMode.Auto && console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi && !Console.IsOutputRedirected);

    public void Start()
    {
        if (!IsLive) return;
        _live = console.Live(Render()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async ctx =>
        {
            while (!_stop.IsCancellationRequested)
            {
                ctx.UpdateTarget(Render());
                ctx.Refresh();
                await Task.Delay(250, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            ctx.UpdateTarget(Render());
            ctx.Refresh();
        });
    }

    public void Update(ProgressSnapshot snapshot)
    {
        lock (_gate) _latest = snapshot;
        if (mode == ProgressMode.None || IsLive) return;
        if (DateTime.UtcNow - _lastPlain < TimeSpan.FromSeconds(1)) return;
        _lastPlain = DateTime.UtcNow;
        var s = snapshot;
        console.WriteLine(
            $"[{s.ElapsedSeconds,6:0.0}s] {s.Phase}: {s.RequestsPerSecond,8:0} req/s  admitted {s.Counts[Outcome.Admitted]}  " +
            $"sold_out {s.Counts[Outcome.SoldOut]}  replay {s.Counts[Outcome.Replay]}  error {s.Counts[Outcome.Error]}  " +
            $"p50 {s.P50Ms:0.0} ms  p99 {s.P99Ms:0.0} ms  stock left {s.StockRemaining?.ToString() ?? "?"}/{s.Stock}  paid {s.Paid?.ToString() ?? "?"}  " +
            $"in flight {s.InFlight}  dropped {s.Dropped}  late {s.Late}", new Style());
    }

    public void Message(string message)
    {
        lock (_gate) _message = message;
        if (mode == ProgressMode.None || IsLive) return;
        console.WriteLine(message, new Style());
    }

    private Table Render()
    {
        ProgressSnapshot? s;
        string? message;
        lock (_gate) (s, message) = (_latest, _message);
        var table = new Table().Border(TableBorder.Rounded).Title("FlashSale rehearsal").HideHeaders()
            .AddColumn("").AddColumn(new TableColumn("").RightAligned());
        if (s is null)
        {
            table.AddRow("status", Markup.Escape(message ?? "starting"));
            return table;
        }
        table.AddRow("phase", Markup.Escape(s.Phase));
        table.AddRow("elapsed", $"{s.ElapsedSeconds:0.0} s");
        table.AddRow("requests/s", $"{s.RequestsPerSecond:N0}");
        table.AddRow("[green]admitted[/]", $"{s.Counts[Outcome.Admitted]:N0}");
        table.AddRow("[blue]sold out[/]", $"{s.Counts[Outcome.SoldOut]:N0}");
        table.AddRow("[yellow]replay[/]", $"{s.Counts[Outcome.Replay]:N0}");
        table.AddRow("[red]error[/]", $"{s.Counts[Outcome.Error]:N0}");
        table.AddRow("p50 so far", $"{s.P50Ms:0.00} ms");
        table.AddRow("p99 so far", $"{s.P99Ms:0.00} ms");
        table.AddRow("stock left", $"{(s.StockRemaining is { } r ? r.ToString("N0") : "?")} / {s.Stock:N0}");
        table.AddRow("paid", s.Paid is { } p ? p.ToString("N0") : "?");
        table.AddRow("requests in flight", $"{s.InFlight:N0}");
        table.AddRow("dropped / late", $"{s.Dropped:N0} / {s.Late:N0}");
        if (message is not null) table.AddRow("status", Markup.Escape(message));
        return table;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_live is not null) await _live;
        _stop.Dispose();
    }
}
