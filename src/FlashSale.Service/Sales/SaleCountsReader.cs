using FlashSale.Service.Pool;
namespace FlashSale.Service.Sales;

public sealed class SaleCountsReader(SaleStore store, SalePool pool)
{
    public async Task<SaleCounts> ReadAsync(SaleRow sale, CancellationToken ct)
    {
        var totalsTask = store.TotalsAsync(sale.SaleId, ct);
        var poolTask = pool.CountsAsync(sale.SaleId);
        await Task.WhenAll(totalsTask, poolTask);
        var t = totalsTask.Result;
        var p = poolTask.Result ?? new PoolCounts(sale.Stock, 0, 0);
        var inFlight = p.Admitted - t.Paid - t.Released - t.Rejected;
        return new SaleCounts(sale.Stock, p.Remaining, p.Admitted, t.Confirmed, t.Paid, t.PaymentFailed, t.Released, t.Rejected, inFlight, t.Sold);
    }
}
