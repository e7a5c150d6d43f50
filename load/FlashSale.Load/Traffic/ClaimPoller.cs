using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using FlashSale.Load.Api;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Traffic;

/// <summary>
/// What a real buyer does after the click: refreshes the claim's page until it says how it ended, every
/// <c>--poll-claim</c>. The time from the first click to the poll that saw <c>paid</c> is the buyer's click-to-paid
/// time (threshold <c>paid.p99&lt;15s</c>). The polls run beside the crowd and never count as claim requests.
/// </summary>
public sealed class ClaimPoller(FlashSaleApi api, TimeSpan every, TimeSpan giveUpAfter)
{
    private readonly LongHistogram _clickToPaid = new(1, LoadRecorder.HighestMicros, 3);
    private readonly ConcurrentDictionary<string, long> _endings = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _polls, _errors, _outstanding = 1;

    public void Follow(string saleId, string claimId, long clickedAt, CancellationToken ct)
    {
        Interlocked.Increment(ref _outstanding);
        _ = Task.Run(() => PollAsync(saleId, claimId, clickedAt, ct), CancellationToken.None)
            .ContinueWith(_ => Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Once the crowd has sent its last click: every buyer still polling, waited for.</summary>
    public Task DrainAsync(CancellationToken ct)
    {
        Release();
        return _done.Task.WaitAsync(ct);
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0) _done.TrySetResult();
    }

    private async Task PollAsync(string saleId, string claimId, long clickedAt, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(giveUpAfter.TotalSeconds * Stopwatch.Frequency);
        string? last = null;
        while (Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested)
        {
            await Task.Delay(every, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _polls);
            try
            {
                last = (await api.GetClaimAsync(saleId, claimId, ct).ConfigureAwait(false))?.Status ?? "not_found";
            }
            catch (Exception e) when (e is HttpRequestException or SetupException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _errors);
                continue;
            }
            if (!ClaimStatuses.IsTerminal(last)) continue;
            if (last == ClaimStatuses.Paid)
            {
                var micros = Math.Clamp((long)Stopwatch.GetElapsedTime(clickedAt).TotalMicroseconds, 1, LoadRecorder.HighestMicros);
                lock (_clickToPaid) _clickToPaid.RecordValue(micros);
            }
            _endings.AddOrUpdate(last, 1, (_, n) => n + 1);
            return;
        }
        _endings.AddOrUpdate($"still {last ?? "unpolled"} when the buyer gave up", 1, (_, n) => n + 1);
    }

    public BuyerFigures Figures()
    {
        lock (_clickToPaid)
            return new BuyerFigures(Interlocked.Read(ref _polls), Interlocked.Read(ref _errors), _endings.ToDictionary(), _clickToPaid.Copy(), every);
    }
}

/// <summary>The buyers' own view: their polls, how their claims ended as they saw it, and their click-to-paid times.</summary>
public sealed record BuyerFigures(long Polls, long PollErrors, IReadOnlyDictionary<string, long> Endings, HistogramBase ClickToPaid, TimeSpan PollEvery);
