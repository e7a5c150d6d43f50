using System.Collections.Concurrent;
using FlashSale.Service.Hosting;

namespace FlashSale.Service.Queue;

/// <summary>
/// The loop shared by everything that drains a claim transport (the worker, the Kafka relay): receive one
/// batch per sale, handle the sales side by side, and back off while a store is unreachable. Nothing is lost
/// by a failed round: what was not acknowledged is delivered again. While a round is being handled, the
/// leases of its deliveries are renewed, so a slow charge is never handed to another worker.
/// </summary>
public static class DeliveryLoop
{
    /// <param name="roundsInFlight">
    /// Rounds handled at once. Above one, the next batch is received while earlier ones are still being charged,
    /// so a slow gateway does not idle the queue; only for transports whose deliveries can be acknowledged out
    /// of order (Redis Streams yes, Kafka offsets no).
    /// </param>
    public static async Task RunAsync(
        IClaimTransport transport, int batchSize, Func<IReadOnlyList<ClaimDelivery>, CancellationToken, Task> handle,
        TimeProvider clock, ILogger logger, CancellationToken stoppingToken, Func<bool>? stop = null, int roundsInFlight = 1)
    {
        using var slots = new SemaphoreSlim(roundsInFlight);
        var backoff = TimeSpan.FromMilliseconds(100);
        var failed = 0;
        // The deliveries of the rounds being handled, by round; renewal outlives stoppingToken until they end.
        var held = new ConcurrentDictionary<long, ClaimDelivery[]>();
        long rounds = 0;
        using var stopRenewing = new CancellationTokenSource();
        var renewing = transport.LeaseRenewal is { } every
            ? LeaseRenewal.RunAsync(every, clock, () => held.Values.SelectMany(d => d).ToArray(), transport.RenewAsync, logger, "deliveries",
                stopRenewing.Token)
            : Task.CompletedTask;
        while (!stoppingToken.IsCancellationRequested && stop?.Invoke() != true)
        {
            bool acquired = false, started = false;
            try
            {
                await slots.WaitAsync(stoppingToken);
                acquired = true;
                if (Interlocked.Exchange(ref failed, 0) == 1)
                {
                    await Task.Delay(backoff, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
                var batches = await transport.ReceiveAsync(batchSize, stoppingToken);
                if (batches.Count > 0)
                {
                    // The round gives its slot back when it ends.
                    _ = RunRoundAsync(batches);
                    started = true;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Receiving deliveries failed; retrying in {Backoff}", backoff);
                Volatile.Write(ref failed, 1);
            }
            finally
            {
                if (acquired && !started) slots.Release();
            }
        }
        // Holding every slot means every round has ended.
        for (var i = 0; i < roundsInFlight; i++) await slots.WaitAsync(CancellationToken.None);
        await stopRenewing.CancelAsync();
        await renewing;

        async Task RunRoundAsync(IReadOnlyList<IReadOnlyList<ClaimDelivery>> batches)
        {
            var round = Interlocked.Increment(ref rounds);
            held[round] = batches.SelectMany(b => b).ToArray();
            try
            {
                await Task.WhenAll(batches.Select(b => handle(b, stoppingToken)));
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Delivery round failed; retrying in {Backoff}", backoff);
                Volatile.Write(ref failed, 1);
            }
            finally
            {
                // Not acknowledged by now means left for a retry: its lease lapses and it comes back.
                held.TryRemove(round, out _);
                slots.Release();
            }
        }
    }
}
