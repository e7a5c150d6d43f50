using System.Collections.Concurrent;
using FlashSale.Service.Sales;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// The sale rows joins need, kept by each edge for <see cref="MaxAge"/>: a pre-queue fills with every buyer of the
/// night in a few minutes, and each join needs only what does not change (the window, whether it has a room, the
/// settings the room is made with once). What does change is judged by Redis in the join itself: the queue's window
/// by its clock, a close by the pool's status. Only sales that exist are kept, so made-up ids cannot grow this.
/// </summary>
public sealed class RoomSales(SaleStore store, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (SaleRow Sale, long ReadAt)> _sales = new(StringComparer.Ordinal);

    public async Task<SaleRow?> GetAsync(string saleId, CancellationToken ct)
    {
        if (_sales.TryGetValue(saleId, out var kept) && clock.GetElapsedTime(kept.ReadAt) < MaxAge) return kept.Sale;
        var sale = await store.GetAsync(saleId, ct);
        if (sale is null) _sales.TryRemove(saleId, out _);
        else if (sale.WaitingRoom && sale.EndsAt > clock.GetUtcNow().UtcDateTime) _sales[saleId] = (sale, clock.GetTimestamp());
        else _sales.TryRemove(saleId, out _);
        return sale;
    }
}
