using FlashSale.Core;
using FlashSale.Service.Sales;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// Every edge ticks every open waiting room: shuffles its pre-queue once the sale starts, then admits the next
/// tickets in line. How many is decided in Redis (lua/queue_outflow.lua), so the edges together keep the rate.
/// </summary>
public sealed class QueueOutflow(
    SaleStore store, QueueRoom room, QueueShuffler shuffler, TimeProvider clock, IOptions<WaitingRoomOptions> options,
    ILogger<QueueOutflow> logger) : BackgroundService
{
    private IReadOnlyList<SaleRow> _sales = [];
    private long _listedAt = long.MinValue;
    private readonly HashSet<string> _shuffled = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.OutflowInterval, clock);
        do
        {
            try
            {
                await TickAsync(settings, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Redis or PostgreSQL is down; the credit waits in Redis (up to MaxCatchUp) for the next tick.
                logger.LogWarning(e, "Waiting-room outflow tick failed; retrying");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task TickAsync(WaitingRoomOptions settings, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var listed = false;
        if (clock.GetElapsedTime(_listedAt) >= settings.SalesRefresh || _listedAt == long.MinValue)
        {
            var sales = await store.OpenWaitingRoomsAsync(now, ct);
            foreach (var gone in _sales.Where(old => !sales.Any(s => s.SaleId == old.SaleId))) QueueSeries.Forget(gone.SaleId);
            _sales = sales;
            _listedAt = clock.GetTimestamp();
            listed = true;
        }
        foreach (var sale in _sales)
        {
            if (now < sale.StartsAt || now >= sale.EndsAt) continue;
            if (!_shuffled.Contains(sale.SaleId))
            {
                if (!await shuffler.ShuffleAsync(sale, ct)) continue;
                _shuffled.Add(sale.SaleId);
            }
            // A paused sale admits nobody; its line waits where it is. A room that says it is not shuffled after
            // all (its primary lost it in a failover) is shuffled again on the next tick, from the same seed.
            if (sale.Status != SaleStatus.Preloaded) continue;
            if (await room.TickAsync(sale.SaleId, settings.MaxCatchUp) is { } tick) QueueSeries.Ticked(sale.SaleId, tick.Admitted, tick.Requeued);
            else _shuffled.Remove(sale.SaleId);
        }
        if (!listed) return;
        // Sold out only once every unit is paid: a held or unsettled unit may still come back to the line. Written at
        // the pace the list is read, and again each time (a failover may have lost it), as are the metrics' counts.
        var started = _sales.Where(s => now >= s.StartsAt).Select(s => s.SaleId).ToList();
        foreach (var saleId in await store.AllPaidAsync(started, ct)) await room.MarkSoldOutAsync(saleId);
        foreach (var sale in _sales) QueueSeries.Counted(sale.SaleId, await room.CountsAsync(sale.SaleId));
    }
}
