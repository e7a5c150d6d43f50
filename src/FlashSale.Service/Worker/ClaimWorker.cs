using FlashSale.Service.Queue;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Worker;

/// <summary>The worker role's loop: receive batches per sale, process sales side by side.</summary>
public sealed class ClaimWorker(
    IClaimTransport transport, ClaimBatchProcessor processor, IOptions<QueueOptions> options, TimeProvider clock, ILogger<ClaimWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var batches = await transport.ReceiveAsync(options.Value.BatchSize, stoppingToken);
                await Task.WhenAll(batches.Select(b => processor.ProcessAsync(b, stoppingToken)));
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Redis or PostgreSQL is unreachable: what was not acknowledged is redelivered, so wait and go on.
                logger.LogWarning(e, "Worker loop failed; retrying in {Backoff}", backoff);
                await Task.Delay(backoff, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
