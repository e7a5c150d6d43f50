using FlashSale.Service.Queue;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Worker;

/// <summary>The worker role's loop: receive batches per sale, process sales side by side.</summary>
public sealed class ClaimWorker(
    IClaimTransport transport, ClaimBatchProcessor processor, IOptions<QueueOptions> options, TimeProvider clock, ILogger<ClaimWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        DeliveryLoop.RunAsync(transport, options.Value.BatchSize, processor.ProcessAsync, clock, logger, stoppingToken,
            roundsInFlight: options.Value.Transport == "kafka" ? 1 : options.Value.BatchesInFlight);
}
