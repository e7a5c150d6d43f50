using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, byte> _shuffled = new(StringComparer.Ordinal);

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
        // The rooms side by side: one after another, a hundred open rooms (or one slow master) made every room's
        // tick wait for all the others' round trips.
        await Task.WhenAll(_sales.Where(s => now >= s.StartsAt && now < s.EndsAt).Select(sale => TickRoomAsync(sale, settings, ct)));
        if (!listed) return;
        // Sold out only once every unit is paid: a held or unsettled unit may still come back to the line. Written at
        // the pace the list is read, and again each time (a failover may have lost it), as are the metrics' counts.
        var started = _sales.Where(s => now >= s.StartsAt).Select(s => s.SaleId).ToList();
        await Task.WhenAll((await store.AllPaidAsync(started, ct)).Select(room.MarkSoldOutAsync));
        await Task.WhenAll(_sales.Select(async sale => QueueSeries.Counted(sale.SaleId, await room.CountsAsync(sale.SaleId))));
    }

    private async Task TickRoomAsync(SaleRow sale, WaitingRoomOptions settings, CancellationToken ct)
    {
        try
        {
            if (!_shuffled.ContainsKey(sale.SaleId))
            {
                if (!await shuffler.ShuffleAsync(sale, ct)) return;
                _shuffled.TryAdd(sale.SaleId, 0);
            }
            // A paused sale admits nobody; its line waits where it is. A room that says it is not shuffled after
            // all (its primary lost it in a failover) is shuffled again on the next tick, from the same seed.
            if (sale.Status != SaleStatus.Preloaded) return;
            if (await room.TickAsync(sale.SaleId, settings.MaxCatchUp) is { } tick) QueueSeries.Ticked(sale.SaleId, tick.Admitted, tick.Requeued);
            else _shuffled.TryRemove(sale.SaleId, out _);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // This room's master is away; the others tick on, and its credit waits in Redis (up to MaxCatchUp).
            logger.LogWarning(e, "Waiting-room outflow tick of sale {SaleId} failed; retrying", sale.SaleId);
        }
    }
}
