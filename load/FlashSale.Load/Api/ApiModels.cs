namespace FlashSale.Load.Api;

/// <summary>The admin view of a sale (CONTRACT.md, <c>GET /admin/sales/{saleId}</c>).</summary>
/// <param name="Checkout">The v2 fields, with the contract's defaults for a service that does not show them.</param>
public sealed record SaleView(string SaleId, string Name, int Stock, string Status, DateTime StartsAt, DateTime EndsAt, SaleCounts? Counts,
    string Checkout = "immediate", int MaxPaymentAttempts = 3)
{
    /// <summary>How many claims one buyer may make: after each failed payment in an immediate sale, one in a hold sale.</summary>
    public int ClaimsPerUser => Checkout == "hold" ? 1 : MaxPaymentAttempts;
}

/// <summary>Live counts in units; see the Counts table of the README.</summary>
public sealed record SaleCounts(
    int Stock, int Remaining, int Admitted, int Confirmed, int Paid, int PaymentFailed, int Released, int Rejected,
    int InFlight, int Sold)
{
    /// <summary>Several sales' counts added up; null when any of them has none.</summary>
    public static SaleCounts? Sum(IEnumerable<SaleCounts?> counts)
    {
        var all = counts.ToList();
        return all.Count == 0 || all.Any(c => c is null) ? null : all.Aggregate((a, b) => new SaleCounts(
            a!.Stock + b!.Stock, a.Remaining + b.Remaining, a.Admitted + b.Admitted, a.Confirmed + b.Confirmed, a.Paid + b.Paid,
            a.PaymentFailed + b.PaymentFailed, a.Released + b.Released, a.Rejected + b.Rejected, a.InFlight + b.InFlight, a.Sold + b.Sold));
    }
}

/// <summary>The storefront view of a claim.</summary>
public sealed record ClaimView(
    string ClaimId, string SaleId, string UserId, int Quantity, string Status, string? OrderId, string? FailureReason, DateTime UpdatedAt,
    DateTime? HoldExpiresAt = null, int? AttemptsLeft = null, string? LastPaymentError = null);

/// <summary>What a claim request got back, reduced to what the rehearsal needs.</summary>
/// <param name="HttpStatus">0 when no answer came (timeout, connection refused).</param>
/// <param name="Code">The problem's <c>code</c>, or the client-side failure (timeout, connection_error).</param>
public readonly record struct ClaimAnswer(int HttpStatus, string? ClaimId, string? Code);

public static class ClaimStatuses
{
    public const string Paid = "paid";
    public const string PaymentFailed = "payment_failed";
    public const string Held = "held";

    public static bool IsTerminal(string status) => status is "paid" or "payment_failed" or "released" or "expired" or "rejected" or "refunded";

    /// <summary>Terminal statuses whose units went back to the sale.</summary>
    public static bool ReturnsStock(string status) => status is "payment_failed" or "released" or "expired" or "refunded";
}

/// <summary>The admin API refused or failed a setup step; the rehearsal cannot start.</summary>
public sealed class SetupException(string message) : Exception(message);
