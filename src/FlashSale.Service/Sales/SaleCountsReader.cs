using FlashSale.Service.Pool;
using FlashSale.Service.WaitingRoom;
namespace FlashSale.Service.Sales;

public sealed class SaleCountsReader(SaleStore store, SalePool pool, QueueRoom room)
{
    public async Task<SaleCounts> ReadAsync(SaleRow sale, CancellationToken ct)
    {
        var totalsTask = store.TotalsAsync(sale.SaleId, ct);
        var poolTask = pool.CountsAsync(sale.SaleId);
        var queueTask = sale.WaitingRoom ? QueueCountsAsync(sale.SaleId) : Task.FromResult<QueueCounts?>(null);
        await Task.WhenAll(totalsTask, poolTask, queueTask);
        var t = totalsTask.Result;
        var p = poolTask.Result ?? new PoolCounts(sale.Stock, 0, 0);
        var q = queueTask.Result;
        var inFlight = p.Admitted - t.Paid - t.Released - t.Rejected;
        return new SaleCounts(sale.Stock, p.Remaining, p.Admitted, t.Confirmed, t.Paid, t.PaymentFailed, t.Released, t.Rejected, inFlight, t.Sold,
            q?.Waiting, q?.Admitted, q?.Used);
    }

    private async Task<QueueCounts?> QueueCountsAsync(string saleId) => await room.CountsAsync(saleId);
}
