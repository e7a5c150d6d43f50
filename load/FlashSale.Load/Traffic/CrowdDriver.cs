using System.Diagnostics;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Traffic;

/// <summary>
/// Sends the crowd. Open model: requests start at their planned time whatever the service does, latency
/// counts from that planned time, and requests that cannot even be sent (too many outstanding) are
/// dropped and counted. Closed model: K buyers, each sending its next request when the last one answered.
/// </summary>
/// In hold checkout every winner then checks out or walks away (<see cref="Checkouts"/>), off the claim's latency.
/// With several sales (<c>--sales</c>) a buyer claims on each of theirs (<see cref="Buyers.SalesOf"/>) at once.
public sealed class CrowdDriver(
    LoadOptions options, FlashSaleApi api, IReadOnlyList<TargetSale> sales, Buyers buyers, LoadRecorder recorder, Checkouts? checkouts = null,
    OpeningRecorder? opening = null, GeneratorWatch? watch = null, AgentShare? share = null)
{
    private long _inFlight;
    private long _outstanding = 1; // the scheduler itself, released when it has launched everything
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Ctrl-C or a threshold with <c>:abort</c>: no new arrival, click, refresh or retry from here, while the requests in
    /// flight finish with their answers (the audit needs every claim the service handed out).
    /// </summary>
    public CancellationToken StopArrivals { get; init; }

    /// <summary>Winners then follow their claim to its end (<c>--poll-claim</c>); null: they leave after the click.</summary>
    public ClaimPoller? Poller { get; init; }

    private bool Stopping(CancellationToken ct) => ct.IsCancellationRequested || StopArrivals.IsCancellationRequested;

    private bool FlashCrowd => options.Scenario == Scenario.FlashCrowd;

    public Task RunAsync(Random random, CancellationToken ct) =>
        options.Model == LoadModel.Open
            ? RunPlanAsync(share.Of(ArrivalPlan.Build(options, random, opening is null ? null : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), opening.T0Timestamp).TotalSeconds)), (a, intended, token) => BuyerAsync(a.User, a.DoubleClick, intended, null, token), ct)
            : RunClosedAsync(random, ct);

    /// <summary>Starts each arrival's buyer at its planned time, and returns once every buyer is done.</summary>
    /// <param name="late">Counts an arrival sent late; by default a late claim, the waiting room counts its joins.</param>
    internal async Task RunPlanAsync(Arrival[] plan, Func<Arrival, long, CancellationToken, Task> buyer, CancellationToken ct, Action? late = null)
    {
        late ??= recorder.MarkLate;
        recorder.Restart();
        var started = recorder.Started;
        var lateTicks = (long)(options.LateAfter.TotalSeconds * Stopwatch.Frequency);
        var next = 0;
        while (next < plan.Length && !Stopping(ct))
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            for (; next < plan.Length && plan[next].AtSeconds <= elapsed; next++)
            {
                var intended = started + (long)(plan[next].AtSeconds * Stopwatch.Frequency);
                if (Interlocked.Read(ref _inFlight) >= options.MaxInFlight)
                {
                    recorder.MarkDropped();
                    continue;
                }
                var lag = Stopwatch.GetTimestamp() - intended;
                watch?.Sent(lag);
                if (lag > lateTicks) late();
                Track(buyer(plan[next], intended, ct));
            }
            if (next < plan.Length)
            {
                // Timer resolution is about a millisecond; a late send is counted, and its latency still runs from the plan.
                var wait = plan[next].AtSeconds - Stopwatch.GetElapsedTime(started).TotalSeconds;
                if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(Math.Min(wait, 0.05)), ct).ConfigureAwait(false);
                if (StopArrivals.IsCancellationRequested) break;
            }
        }
        Release();
        await _drained.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task RunClosedAsync(Random random, CancellationToken ct)
    {
        recorder.Restart();
        var deadline = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var next = -1;
        var doubleClicks = Enumerable.Range(0, options.Concurrency).Select(_ => new Random(random.Next())).ToArray();
        var workers = Enumerable.Range(0, options.Concurrency).Select(w => Task.Run(async () =>
        {
            while (!Stopping(ct) && Stopwatch.GetTimestamp() < deadline)
            {
                var user = Interlocked.Increment(ref next);
                if (FlashCrowd && user >= options.Users) break;
                var doubleClick = FlashCrowd && doubleClicks[w].NextDouble() < options.DoubleClickShare;
                await BuyerAsync(user, doubleClick, Stopwatch.GetTimestamp(), null, ct).ConfigureAwait(false);
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>One buyer, on each of their sales: a click (two, for a double click), then retries after a timeout or a 429/503.</summary>
    /// <param name="admission">A waiting-room sale: the token the buyer's ticket was admitted with, sent with every click.</param>
    internal Task BuyerAsync(int user, bool doubleClick, long intended, string? admission, CancellationToken ct) =>
        sales.Count == 1 ? BuyerAsync(sales[0], user, doubleClick, intended, admission, ct)
            : Task.WhenAll(buyers.SalesOf(user, sales.Count).Select(s => BuyerAsync(sales[s], user, doubleClick, intended, admission, ct)));

    private async Task BuyerAsync(TargetSale sale, int user, bool doubleClick, long intended, string? admission, CancellationToken ct)
    {
        var userId = buyers.UserId(user);
        var card = buyers.PaymentMethod(user);
        var clicked = intended;
        var second = doubleClick ? SendAsync(sale, userId, card, intended, admission, ct) : null;
        string? won = null;
        for (var attempt = 0; ; attempt++)
        {
            var answer = await SendAsync(sale, userId, card, intended, admission, ct).ConfigureAwait(false);
            while (opening is not null && Classify(answer, true) == Outcome.NotStarted && !Stopping(ct))
            {
                // Early for the opening: the buyer refreshes until the sale has started, and the next click counts from then.
                var refresh = options.RefreshEvery * (0.8 + 0.4 * Random.Shared.NextDouble());
                intended = Stopwatch.GetTimestamp() + (long)(refresh.TotalSeconds * Stopwatch.Frequency);
                await Task.Delay(refresh, ct).ConfigureAwait(false);
                answer = await SendAsync(sale, userId, card, intended, admission, ct).ConfigureAwait(false);
            }
            if (answer is { HttpStatus: 202 or 200, ClaimId: { } claimId }) won = claimId;
            if (!FlashCrowd || attempt >= options.Retries || !Retryable(answer) || Stopping(ct)) break;
            var backoff = TimeSpan.FromMilliseconds(200 * (1 << attempt) + Random.Shared.Next(100));
            // The retry's latency counts from when the buyer meant to retry, not from when the timer fired.
            intended = Stopwatch.GetTimestamp() + (long)(backoff.TotalSeconds * Stopwatch.Frequency);
            await Task.Delay(backoff, ct).ConfigureAwait(false);
        }
        if (second is not null && await second.ConfigureAwait(false) is { HttpStatus: 202 or 200, ClaimId: { } other }) won ??= other;
        var abandons = checkouts is not null && buyers.Abandons(user);
        if (checkouts is not null && won is not null) await checkouts.PayAsync(sale.SaleId, won, card, abandons, ct).ConfigureAwait(false);
        // A buyer who walked away from a hold does not come back to see it expire.
        if (won is not null && !abandons) Poller?.Follow(sale.SaleId, won, clicked);
    }

    private async Task<ClaimAnswer> SendAsync(TargetSale sale, string userId, string card, long intended, string? admission, CancellationToken ct)
    {
        Interlocked.Increment(ref _inFlight);
        recorder.MarkSent();
        try
        {
            var answer = await api.ClaimAsync(sale.SaleId, userId, checkouts is null ? card : null, ct, admission, options.Quantity).ConfigureAwait(false);
            var outcome = Classify(answer, options.StartsIn is not null);
            recorder.Record(outcome, intended, outcome == Outcome.Error ? answer.Code : null);
            sale.Tally.Record(outcome, intended);
            opening?.Record(outcome, intended, Stopwatch.GetTimestamp());
            sale.Book.Note(userId, card, answer);
            return answer;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <param name="opening">Rehearsing an opening, where a click before T0 is expected, not an error.</param>
    public static Outcome Classify(ClaimAnswer answer, bool opening = false) => answer switch
    {
        { HttpStatus: 409, Code: "sale_not_started" } when opening => Outcome.NotStarted,
        { HttpStatus: 202, ClaimId: not null } => Outcome.Admitted,
        { HttpStatus: 200, ClaimId: not null } => Outcome.Replay,
        { HttpStatus: 409, Code: "sold_out" } => Outcome.SoldOut,
        _ => Outcome.Error,
    };

    private static bool Retryable(ClaimAnswer answer) => answer.HttpStatus is 0 or 429 or 503;

    private void Track(Task buyer)
    {
        Interlocked.Increment(ref _outstanding);
        buyer.ContinueWith(_ => Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0) _drained.TrySetResult();
    }
}
