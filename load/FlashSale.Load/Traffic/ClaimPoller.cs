using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using FlashSale.Load.Api;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Traffic;

/// <summary>
/// What a real buyer does after the click: refreshes the claim's page until it says how it ended, first
/// <c>--poll-claim</c> after the click. The time from the first click to the poll that saw <c>paid</c> is the buyer's
/// click-to-paid time (threshold <c>paid.p99&lt;15s</c>). The polls run beside the crowd and never count as claim requests.
/// </summary>
/// <remarks>
/// Cheap enough to be on by default: one timer loop for every buyer (no task or timer per buyer), which sends the polls
/// that are due, at most <see cref="MaxInFlight"/> at once, and keeps only the claims not yet terminal. A claim still
/// pending is polled less often each time (up to <see cref="MaxBackoff"/> times the interval), as a buyer waiting longer
/// refreshes less, so a slow worker does not turn its backlog into a storm of polls.
/// </remarks>
public sealed class ClaimPoller
{
    private const int MaxInFlight = 64;
    private const double Backoff = 1.5;
    private const double MaxBackoff = 4;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly FlashSaleApi _api;
    private readonly TimeSpan _every;
    private readonly long _giveUpTicks;
    private readonly LongHistogram _clickToPaid = new(1, LoadRecorder.HighestMicros, 3);
    private readonly ConcurrentDictionary<string, long> _endings = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Pending> _arrived = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private long _polls, _errors, _outstanding = 1, _inFlight;

    /// <param name="ct">Ends the poll loop if the run is stopped before <see cref="DrainAsync"/> is awaited.</param>
    public ClaimPoller(FlashSaleApi api, TimeSpan every, TimeSpan giveUpAfter, CancellationToken ct)
    {
        (_api, _every, _giveUpTicks) = (api, every, (long)(giveUpAfter.TotalSeconds * Stopwatch.Frequency));
        _loop = Task.Run(() => LoopAsync(ct), CancellationToken.None);
    }

    /// <summary>One winner's claim, polled from one interval after now until it ends or the buyer gives up.</summary>
    private sealed class Pending(string saleId, string claimId, long clickedAt, long firstDue, long giveUpAt)
    {
        public string SaleId => saleId;
        public string ClaimId => claimId;
        public long ClickedAt => clickedAt;
        public long GiveUpAt => giveUpAt;
        public long Due { get; set; } = firstDue;
        public double Interval { get; set; } = 1;
        public string? Last { get; set; }

        // Written last by the poll that ends, read first by the loop: what the poll wrote before it is seen with it.
        private volatile bool _polling;
        public bool Polling
        {
            get => _polling;
            set => _polling = value;
        }
    }

    public void Follow(string saleId, string claimId, long clickedAt)
    {
        Interlocked.Increment(ref _outstanding);
        var now = Stopwatch.GetTimestamp();
        _arrived.Enqueue(new Pending(saleId, claimId, clickedAt, now + Jittered(1), now + _giveUpTicks));
    }

    /// <summary>Once the crowd has sent its last click: every buyer still polling, waited for.</summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        Release();
        await _done.Task.WaitAsync(ct).ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0) _done.TrySetResult();
    }

    private long Jittered(double interval) => (long)(_every.TotalSeconds * interval * (0.9 + 0.2 * Random.Shared.NextDouble()) * Stopwatch.Frequency);

    private async Task LoopAsync(CancellationToken ct)
    {
        var following = new List<Pending>();
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (!_done.Task.IsCompleted && await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                while (_arrived.TryDequeue(out var p)) following.Add(p);
                var now = Stopwatch.GetTimestamp();
                for (var i = following.Count - 1; i >= 0; i--)
                {
                    var p = following[i];
                    if (p.Polling) continue;
                    if (p.Last is { } last && ClaimStatuses.IsTerminal(last) || now >= p.GiveUpAt)
                    {
                        if (p.Last is null || !ClaimStatuses.IsTerminal(p.Last)) _endings.AddOrUpdate($"still {p.Last ?? "unpolled"} when the buyer gave up", 1, (_, n) => n + 1);
                        following.RemoveAt(i);
                        Release();
                        continue;
                    }
                    if (p.Due > now || Interlocked.Read(ref _inFlight) >= MaxInFlight) continue;
                    p.Polling = true;
                    Interlocked.Increment(ref _inFlight);
                    _ = PollAsync(p, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run was stopped at once (a second Ctrl-C): nobody waits for the figures.
        }
    }

    private async Task PollAsync(Pending p, CancellationToken ct)
    {
        try
        {
            Interlocked.Increment(ref _polls);
            var status = (await _api.GetClaimAsync(p.SaleId, p.ClaimId, ct).ConfigureAwait(false))?.Status ?? "not_found";
            if (ClaimStatuses.IsTerminal(status))
            {
                if (status == ClaimStatuses.Paid)
                {
                    var micros = Math.Clamp((long)Stopwatch.GetElapsedTime(p.ClickedAt).TotalMicroseconds, 1, LoadRecorder.HighestMicros);
                    lock (_clickToPaid) _clickToPaid.RecordValue(micros);
                }
                _endings.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
            p.Last = status;
        }
        catch (Exception e) when (e is HttpRequestException or SetupException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Interlocked.Increment(ref _errors);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped at once.
        }
        finally
        {
            // The next poll waits longer while the claim stays pending.
            p.Due = Stopwatch.GetTimestamp() + Jittered(p.Interval);
            p.Interval = Math.Min(p.Interval * Backoff, MaxBackoff);
            Interlocked.Decrement(ref _inFlight);
            p.Polling = false;
        }
    }

    public BuyerFigures Figures()
    {
        lock (_clickToPaid)
            return new BuyerFigures(Interlocked.Read(ref _polls), Interlocked.Read(ref _errors), _endings.ToDictionary(), _clickToPaid.Copy(), _every);
    }
}

/// <summary>The buyers' own view: their polls, how their claims ended as they saw it, and their click-to-paid times.</summary>
public sealed record BuyerFigures(long Polls, long PollErrors, IReadOnlyDictionary<string, long> Endings, HistogramBase ClickToPaid, TimeSpan PollEvery);
