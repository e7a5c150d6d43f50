using System.Diagnostics;
using FlashSale.Load.Api;
using FlashSale.Load.Cli;
using FlashSale.Load.Metrics;

namespace FlashSale.Load.Traffic;

/// <summary>
/// The waiting-room crowd: every buyer joins the queue at their planned moment (all before the sale's start), polls
/// their ticket at the pace the service asks (<c>pollAfterSeconds</c>), and once admitted claims with the ticket's
/// token as the flash crowd claims (double clicks, retries, hold checkout), through <see cref="CrowdDriver"/>.
/// A ticket told sold out stops. When the crowd is stopped (Ctrl-C, a threshold with <c>:abort</c>) no join, poll or
/// claim starts any more: each buyer leaves once the request it has in flight is answered.
/// </summary>
public sealed class WaitingRoomCrowd(
    LoadOptions options, WaitingRoomApi room, string saleId, Buyers buyers, CrowdDriver claims, QueueRecorder recorder, QueueBook book, DateTime endsAt)
{
    // A ticket that answers expired this many polls in a row lapsed for the second time, and stays expired.
    private const int ExpiredPolls = 3;
    private const int PollErrorsTolerated = 20;

    public const string Left = "left (the crowd was stopped)";

    public async Task RunAsync(Random random, CancellationToken ct)
    {
        // Waits end early when the crowd is stopped; the requests themselves run on ct, so those in flight are answered.
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(ct, claims.StopArrivals);
        await claims.RunPlanAsync(ArrivalPlan.Build(options, random), (a, intended, token) => BuyerAsync(a.User, a.DoubleClick, intended, leave.Token, token), ct,
            recorder.MarkJoinLate).ConfigureAwait(false);
    }

    private async Task BuyerAsync(int user, bool doubleClick, long intended, CancellationToken leave, CancellationToken ct)
    {
        book.NoteTried(user);
        var ticket = await JoinAsync(user, intended, leave, ct).ConfigureAwait(false);
        if (ticket is null) return;
        var expired = 0;
        var errors = 0;
        var wait = TimeSpan.FromSeconds(ticket.PollAfterSeconds);
        while (!ct.IsCancellationRequested)
        {
            if (leave.IsCancellationRequested)
            {
                book.NoteEnd(user, Left);
                return;
            }
            if (TimeProvider.System.GetUtcNow().UtcDateTime >= endsAt)
            {
                book.NoteEnd(user, "sale_ended");
                return;
            }
            switch (ticket.Status)
            {
                case "admitted" when ticket.AdmissionToken is { } token:
                    book.NoteAdmitted(user);
                    book.NoteEnd(user, "claimed");
                    // The claim's latency runs from the poll that told the buyer, when they would click.
                    await claims.BuyerAsync(user, doubleClick, Stopwatch.GetTimestamp(), token, ct).ConfigureAwait(false);
                    return;
                case "sold_out" or "used":
                    book.NoteEnd(user, ticket.Status);
                    return;
                case "expired" when ++expired >= ExpiredPolls:
                    book.NoteEnd(user, "expired");
                    return;
                case not "expired":
                    expired = 0;
                    break;
            }
            // The service never asks for less than a second; a zero would spin.
            if (!await PauseAsync(wait < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : wait, leave, ct).ConfigureAwait(false)) continue;
            var sent = Stopwatch.GetTimestamp();
            var answer = await room.PollAsync(saleId, ticket.TicketId, ct).ConfigureAwait(false);
            recorder.Poll(sent, answer.Ticket is null ? answer.Code : null);
            if (answer.Ticket is { } polled)
            {
                ticket = polled;
                wait = TimeSpan.FromSeconds(polled.PollAfterSeconds);
                errors = 0;
                continue;
            }
            if (answer.HttpStatus == 404 || ++errors > PollErrorsTolerated)
            {
                book.NoteEnd(user, $"poll {answer.Code}");
                return;
            }
            wait = Backoff(errors);
        }
    }

    /// <summary>The join, retried after a timeout or a 429/503 as a buyer would; the same user again gets the same ticket.</summary>
    private async Task<TicketView?> JoinAsync(int user, long intended, CancellationToken leave, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var answer = await room.JoinAsync(saleId, buyers.UserId(user), ct).ConfigureAwait(false);
            recorder.Join(intended, answer.Ticket is null ? answer.Code : null);
            if (answer.Ticket is { } ticket)
            {
                book.NoteJoin(user, ticket.TicketId, Stopwatch.GetTimestamp());
                return ticket;
            }
            if (answer.HttpStatus is not (0 or 429 or 503) || attempt >= options.Retries || leave.IsCancellationRequested)
            {
                book.NoteEnd(user, leave.IsCancellationRequested ? Left : $"join {answer.Code}");
                return null;
            }
            var backoff = Backoff(attempt);
            intended = Stopwatch.GetTimestamp() + (long)(backoff.TotalSeconds * Stopwatch.Frequency);
            await PauseAsync(backoff, leave, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A buyer's wait between requests; false when the crowd was stopped during it.</summary>
    private static async Task<bool> PauseAsync(TimeSpan wait, CancellationToken leave, CancellationToken ct)
    {
        try
        {
            await Task.Delay(wait, leave).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(200 * (1 << Math.Min(attempt, 5)), 5000) + Random.Shared.Next(100));
}
