using Dapper;
using Npgsql;

namespace FlashSale.Service.Claims;

/// <summary>A row of <c>claims</c>, read by one query (<see cref="ReadAsync"/>) wherever claims are read whole.</summary>
public sealed class ClaimRow
{
    public string ClaimId { get; init; } = "";
    public string SaleId { get; init; } = "";
    public string UserId { get; init; } = "";
    public int Quantity { get; init; }
    public string PaymentMethodId { get; init; } = "";
    public string Status { get; init; } = "";
    public string? OrderId { get; init; }
    public string? PaymentId { get; init; }
    public string? FailureReason { get; init; }
    public DateTime AdmittedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>Set once a worker is about to charge the claim: from then on it is settled, never expired.</summary>
    public DateTime? PaymentAttemptedAt { get; init; }
    /// <summary>Hold checkout: when the hold ends (null for immediate checkout).</summary>
    public DateTime? HoldExpiresAt { get; init; }
    public int PaymentAttempts { get; init; }
    public string? LastPaymentError { get; init; }

    /// <summary>The rows of these claims that PostgreSQL has, in no particular order.</summary>
    public static async Task<List<ClaimRow>> ReadAsync(
        NpgsqlConnection conn, IReadOnlyCollection<string> claimIds, NpgsqlTransaction? tx, CancellationToken ct) =>
        (await conn.QueryAsync<ClaimRow>(new CommandDefinition("""
            SELECT claim_id, sale_id, user_id, quantity, payment_method_id, status, order_id, payment_id, failure_reason, admitted_at, updated_at,
                   payment_attempted_at, hold_expires_at, payment_attempts, last_payment_error
            FROM claims WHERE claim_id = ANY(@ids)
            """, new { ids = claimIds.ToArray() }, tx, cancellationToken: ct))).AsList();

    /// <param name="maxPaymentAttempts">The sale's; with a hold, what is left of them is shown.</param>
    public ClaimResponse ToResponse(int maxPaymentAttempts) => new(ClaimId, SaleId, UserId, Quantity, Status, OrderId, FailureReason, UpdatedAt,
        HoldExpiresAt, HoldExpiresAt is null ? null : Math.Max(0, maxPaymentAttempts - PaymentAttempts), LastPaymentError);
}
