using Dapper;
using FlashSale.Service.Pool;
using Npgsql;

namespace FlashSale.Service.Holds;

/// <summary>The PostgreSQL half of giving held units back (expiry, release): sold -= units, and the returns' intents.</summary>
internal static class HoldReturns
{
    public static async Task GiveBackAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<(string ClaimId, string SaleId, int Quantity)> claims, CancellationToken ct)
    {
        foreach (var sale in claims.GroupBy(c => c.SaleId))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE sale_inventory SET sold = sold - @units, updated_at = now() WHERE sale_id = @saleId",
                new { units = sale.Sum(c => c.Quantity), saleId = sale.Key }, tx, cancellationToken: ct));
            await StockReturns.RecordAsync(conn, tx, sale.Key, sale.Select(c => c.ClaimId).ToList(), ct);
        }
    }
}
