using FlashSale.Service.Sales;

namespace FlashSale.Service.Reconciliation;

/// <summary>
/// The stock-conservation report of a sale: <c>stock = paid + remaining + inFlight</c>, with every term from
/// PostgreSQL and from Redis, what looks wrong, and what the reconciler repaired.
/// </summary>
public sealed record SaleReport(
    string SaleId, string Status, DateTime GeneratedAt, string Equation,
    ConservationTerms Postgres, ConservationTerms? Redis, bool Balanced, SaleCounts Counts,
    IReadOnlyList<string> Anomalies, IReadOnlyList<Repair> Repairs)
{
    /// <summary>Units PostgreSQL recorded that Redis had lost (failover, restart) and the pool got back (invariant 6).</summary>
    public int LostAdmits => Repairs.Where(r => r.Kind == RepairLog.LostAdmit).Sum(r => r.Units);
}

/// <param name="Balance">stock − paid − remaining − inFlight: zero when the store's numbers agree with each other.</param>
public sealed record ConservationTerms(int Stock, int Paid, int Remaining, int InFlight, int Balance);
