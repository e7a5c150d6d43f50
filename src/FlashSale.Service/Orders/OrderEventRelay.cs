using Dapper;
using FlashSale.Service.Ops;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Orders;

/// <summary>
/// Publishes order events written by the outbox, oldest first, and stamps them published. The rows stay
/// locked (FOR UPDATE SKIP LOCKED) from the read until the stamp commits, so relays in several workers
/// share the backlog without sending the same batch side by side. A crash after the publish and before
/// the commit sends the batch again: consumers see a duplicate with the same event id, never a loss.
/// </summary>
public sealed class OrderEventRelay(
    NpgsqlDataSource db, IOrderEventPublisher publisher, IOptions<OutboxOptions> options, TimeProvider clock, ILogger<OrderEventRelay> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var published = 0;
            try
            {
                published = await RelayBatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                FlashSaleMetrics.OrderEventPublishFailures.Inc();
                logger.LogWarning(e, "Publishing order events failed; retrying in {Interval}", options.Value.PollInterval);
            }
            // A full batch means more may be waiting: go again at once.
            if (published < options.Value.BatchSize)
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <returns>How many events were published and stamped.</returns>
    public async Task<int> RelayBatchAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var events = (await conn.QueryAsync<OrderEvent>(new CommandDefinition("""
            SELECT event_id, type, order_id, claim_id, sale_id, amount_cents, currency, payment_id, failure_reason, created_at
            FROM order_events WHERE published_at IS NULL
            ORDER BY created_at, event_id
            LIMIT @BatchSize
            FOR UPDATE SKIP LOCKED
            """, new { options.Value.BatchSize }, tx, cancellationToken: ct))).ToList();
        if (events.Count == 0) return 0;

        await publisher.PublishAsync(events, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE order_events SET published_at = now() WHERE event_id = ANY(@ids)",
            new { ids = events.Select(e => e.EventId).ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        FlashSaleMetrics.OrderEventsPublished.Inc(events.Count);
        return events.Count;
    }
}
