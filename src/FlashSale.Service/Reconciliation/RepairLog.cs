using Dapper;
using FlashSale.Service.Ops;
using Npgsql;

namespace FlashSale.Service.Reconciliation;

/// <summary>What the reconciler repaired, kept in PostgreSQL for the sale's report.</summary>
public sealed class RepairLog(NpgsqlDataSource db, ILogger<RepairLog> logger)
{
    public const string Requeued = "requeued";
    public const string Expired = "expired";
    public const string DriftRepaired = "drift_repaired";
    public const string DeadLetter = "dead_letter";
    public const string LostAdmit = "lost_admit";

    public async Task RecordAsync(string saleId, string kind, string? claimId, int units, string detail, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reconciliation_repairs (sale_id, kind, claim_id, units, detail) VALUES (@saleId, @kind, @claimId, @units, @detail)
            """, new { saleId, kind, claimId, units, detail }, cancellationToken: ct));
        FlashSaleMetrics.Repairs.WithLabels(kind).Inc();
        logger.LogWarning("Reconciler repaired sale {SaleId}: {Kind} {ClaimId} ({Units} units): {Detail}", saleId, kind, claimId, units, detail);
    }

    public async Task<IReadOnlyList<Repair>> ListAsync(string saleId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<Repair>(new CommandDefinition("""
            SELECT kind, claim_id, units, detail, created_at AS at FROM reconciliation_repairs WHERE sale_id = @saleId ORDER BY repair_id
            """, new { saleId }, cancellationToken: ct))).AsList();
    }
}

public sealed class Repair
{
    public string Kind { get; init; } = "";
    public string? ClaimId { get; init; }
    public int Units { get; init; }
    public string Detail { get; init; } = "";
    public DateTime At { get; init; }
}
