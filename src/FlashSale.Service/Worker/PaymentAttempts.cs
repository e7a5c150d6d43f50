using Dapper;
using FlashSale.Service.Claims;
using Npgsql;

namespace FlashSale.Service.Worker;

/// <summary>
/// Marks claims as about to be charged, with a compare-and-set on <c>confirmed</c>. From then on the
/// reconciler never expires them (a charge may go through); a claim it expired first is not charged.
/// </summary>
public sealed class PaymentAttempts(NpgsqlDataSource db)
{
    /// <returns>The fresh rows of the claims that moved meanwhile (not chargeable); the others may be charged now.</returns>
    public async Task<IReadOnlyList<ClaimRow>> MarkAsync(IReadOnlyCollection<string> claimIds, CancellationToken ct)
    {
        if (claimIds.Count == 0) return [];
        await using var conn = await db.OpenConnectionAsync(ct);
        var marked = (await conn.QueryAsync<string>(new CommandDefinition("""
            UPDATE claims SET payment_attempted_at = coalesce(payment_attempted_at, now())
            WHERE claim_id = ANY(@ids) AND status = 'confirmed'
            RETURNING claim_id
            """, new { ids = claimIds.ToArray() }, cancellationToken: ct))).ToHashSet();
        if (marked.Count == claimIds.Count) return [];
        return await ClaimRow.ReadAsync(conn, claimIds.Where(id => !marked.Contains(id)).ToArray(), null, ct);
    }
}
