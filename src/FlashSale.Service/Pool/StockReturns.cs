using Dapper;
using Npgsql;

namespace FlashSale.Service.Pool;

/// <summary>
/// A claim's units going back to its sale, made durable as an intent: recorded (<see cref="RecordAsync"/>) in the
/// PostgreSQL transaction that gives them back there, then applied to the Redis pool (lua/release.lua, once per
/// claim however often it runs) and forgotten. An intent still outstanding, because Redis failed or the process
/// died between the two steps, is applied again by the reconciler (<see cref="ApplyOutstandingAsync"/>), and the
/// drift repair does nothing while one is outstanding: setting Redis from PostgreSQL then would count the units
/// twice, once by the repair and once by the return.
/// </summary>
public sealed class StockReturns(NpgsqlDataSource db, SalePool pool)
{
    /// <summary>
    /// The PostgreSQL half of giving claims' units back, in the caller's transaction: the sale's sold count drops by
    /// their units, and each return's intent is recorded for the Redis half (<see cref="ApplyAsync(IReadOnlyCollection{string}, CancellationToken)"/>).
    /// </summary>
    public static async Task GiveBackAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<(string ClaimId, string SaleId, int Quantity)> claims, CancellationToken ct)
    {
        foreach (var sale in claims.GroupBy(c => c.SaleId))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE sale_inventory SET sold = sold - @units, updated_at = now() WHERE sale_id = @saleId",
                new { units = sale.Sum(c => c.Quantity), saleId = sale.Key }, tx, cancellationToken: ct));
            await RecordAsync(conn, tx, sale.Key, sale.Select(c => c.ClaimId).ToList(), ct);
        }
    }

    /// <summary>
    /// Records the returns' intents in the caller's transaction, for units PostgreSQL never counted as sold (a claim
    /// Redis admitted that PostgreSQL never confirmed) but Redis still has to get back.
    /// </summary>
    public static Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string saleId, IReadOnlyCollection<string> claimIds, CancellationToken ct) =>
        claimIds.Count == 0
            ? Task.CompletedTask
            : conn.ExecuteAsync(new CommandDefinition("""
                INSERT INTO stock_returns (claim_id, sale_id) SELECT unnest(@claimIds), @saleId ON CONFLICT DO NOTHING
                """, new { claimIds = claimIds.ToArray(), saleId }, tx, cancellationToken: ct));

    /// <summary>Applies the outstanding returns of these claims (those already applied are skipped).</summary>
    public async Task ApplyAsync(IReadOnlyCollection<string> claimIds, CancellationToken ct)
    {
        if (claimIds.Count == 0) return;
        await using var conn = await db.OpenConnectionAsync(ct);
        var outstanding = (await conn.QueryAsync<Outstanding>(new CommandDefinition(
            $"{OutstandingColumns} WHERE r.claim_id = ANY(@claimIds)", new { claimIds = claimIds.ToArray() },
            cancellationToken: ct))).AsList();
        await ApplyAsync(conn, outstanding, ct);
    }

    /// <summary>Applies every return of the sale still outstanding (a retry of those whose Redis step failed).</summary>
    /// <returns>How many were applied.</returns>
    public async Task<int> ApplyOutstandingAsync(string saleId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var outstanding = (await conn.QueryAsync<Outstanding>(new CommandDefinition(
            $"{OutstandingColumns} WHERE r.sale_id = @saleId ORDER BY r.created_at LIMIT 1000", new { saleId },
            cancellationToken: ct))).AsList();
        await ApplyAsync(conn, outstanding, ct);
        return outstanding.Count;
    }

    // The claim's status is read with its return: it is terminal once the return is recorded (same transaction), and
    // a payment_failed one lets its buyer claim again once its units are back (lua/release.lua). The sale's pool count
    // says which pool the claim's units go back to.
    private const string OutstandingColumns = """
        SELECT r.claim_id, r.sale_id, c.status = 'payment_failed' AS payment_failed, s.pool_shards
        FROM stock_returns r LEFT JOIN claims c ON c.claim_id = r.claim_id JOIN sales s ON s.sale_id = r.sale_id
        """;

    private sealed class Outstanding
    {
        public string ClaimId { get; init; } = "";
        public string SaleId { get; init; } = "";
        public bool? PaymentFailed { get; init; }
        public int PoolShards { get; init; } = 1;
    }

    private async Task ApplyAsync(NpgsqlConnection conn, List<Outstanding> returns, CancellationToken ct)
    {
        if (returns.Count == 0) return;
        // Redis first, then forget: a crash in between leaves the intent, and release.lua runs once per claim.
        await Task.WhenAll(returns.Select(r => pool.ReleaseAsync(new SalePools(r.SaleId, r.PoolShards), r.ClaimId, r.PaymentFailed == true)));
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM stock_returns WHERE claim_id = ANY(@claimIds)",
            new { claimIds = returns.Select(r => r.ClaimId).ToArray() }, cancellationToken: ct));
    }
}
