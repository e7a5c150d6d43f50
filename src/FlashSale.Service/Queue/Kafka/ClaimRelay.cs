using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// Moves admitted claims from the sales' Redis streams (where the admit script put them, atomically with the
/// stock decrement) to Kafka. A Redis entry is acknowledged only after Kafka's delivery report says the claim
/// is on the broker, so a crash anywhere in between sends it again (at least once; the worker is idempotent)
/// and never drops it. Entries of a relay that died are taken over with XAUTOCLAIM, as workers do with Redis.
/// </summary>
public sealed class ClaimRelay(
    RedisStreamTransport redisQueue, KafkaClaimProducer producer, IOptions<QueueOptions> queue, TimeProvider clock, ILogger<ClaimRelay> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A round that fails leaves its entries unacknowledged in Redis; they are taken over after ReclaimAfter.
        await DeliveryLoop.RunAsync(redisQueue, queue.Value.BatchSize, ForwardAsync, clock, logger, stoppingToken,
            stop: () => producer.FatalError is not null);
        if (producer.FatalError is not null)
            logger.LogCritical("Claim relay stopped: the Kafka producer failed for good ({Error}); admitted claims wait in Redis", producer.FatalError);
    }

    /// <summary>Sends one sale's entries in queue order and acknowledges in Redis those the broker confirmed.</summary>
    public async Task ForwardAsync(IReadOnlyList<ClaimDelivery> batch, CancellationToken ct)
    {
        var sends = new List<(ClaimDelivery Delivery, Task<DeliveryResult<string, byte[]>> Sent)>(batch.Count);
        foreach (var delivery in batch)
        {
            if (delivery.Message is null) await redisQueue.DeadLetterAsync(delivery, "unreadable queue entry", ct);
            // Produce calls are queued in call order, and idempotence keeps that order through retries.
            else sends.Add((delivery, producer.SendClaimAsync(delivery.Message, CancellationToken.None)));
        }
        var onBroker = new List<ClaimDelivery>(sends.Count);
        string? failure = null;
        foreach (var (delivery, sent) in sends)
        {
            try
            {
                await sent;
                onBroker.Add(delivery);
            }
            catch (ProduceException<string, byte[]> e)
            {
                failure ??= $"{e.Error.Code}: {e.Error.Reason}";
            }
        }
        if (failure is not null)
            logger.LogWarning("{Count} claims of sale {SaleId} not written to Kafka ({Reason}); they stay in Redis and are sent again",
                sends.Count - onBroker.Count, batch[0].SaleId, failure);
        if (onBroker.Count > 0)
        {
            await redisQueue.AcknowledgeAsync(onBroker, ct);
            KafkaMetrics.Relayed.Inc(onBroker.Count);
        }
    }
}
