namespace FlashSale.Service.Queue;

/// <summary>
/// The loop shared by everything that drains a claim transport (the worker, the Kafka relay): receive one
/// batch per sale, handle the sales side by side, and back off while a store is unreachable. Nothing is lost
/// by a failed round: what was not acknowledged is delivered again.
/// </summary>
public static class DeliveryLoop
{
    public static async Task RunAsync(
        IClaimTransport transport, int batchSize, Func<IReadOnlyList<ClaimDelivery>, CancellationToken, Task> handle,
        TimeProvider clock, ILogger logger, CancellationToken stoppingToken, Func<bool>? stop = null)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested && stop?.Invoke() != true)
        {
            try
            {
                var batches = await transport.ReceiveAsync(batchSize, stoppingToken);
                await Task.WhenAll(batches.Select(b => handle(b, stoppingToken)));
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Delivery round failed; retrying in {Backoff}", backoff);
                await Task.Delay(backoff, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
