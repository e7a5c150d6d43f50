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
    /// <summary>Client confirm: the attempt whose PaymentIntent the storefront is confirming (open while it equals <see cref="PaymentAttempts"/> and the claim is held).</summary>
    public int? ClientAttempt { get; init; }
    public string? PaymentIntentId { get; init; }
    /// <summary>The sale's, read with the row: a hold shows what is left of them.</summary>
    public int MaxPaymentAttempts { get; init; }

    /// <summary>The rows of these claims that PostgreSQL has, in no particular order.</summary>
    public static async Task<List<ClaimRow>> ReadAsync(
        NpgsqlConnection conn, IReadOnlyCollection<string> claimIds, NpgsqlTransaction? tx, CancellationToken ct) =>
        (await conn.QueryAsync<ClaimRow>(new CommandDefinition("""
            SELECT c.claim_id, c.sale_id, c.user_id, c.quantity, c.payment_method_id, c.status, c.order_id, c.payment_id, c.failure_reason,
                   c.admitted_at, c.updated_at, c.payment_attempted_at, c.hold_expires_at, c.payment_attempts, c.last_payment_error,
                   c.client_attempt, c.payment_intent_id, s.max_payment_attempts
            FROM claims c JOIN sales s ON s.sale_id = c.sale_id WHERE c.claim_id = ANY(@ids)
            """, new { ids = claimIds.ToArray() }, tx, cancellationToken: ct))).AsList();

    /// <summary>A hold whose buyer is confirming a PaymentIntent in the browser: its outcome arrives by webhook.</summary>
    public bool HasOpenClientIntent => Status == Core.ClaimStatus.Held && ClientAttempt is { } attempt && attempt == PaymentAttempts;

    public ClaimResponse ToResponse() => new(ClaimId, SaleId, UserId, Quantity, Status, OrderId, FailureReason, UpdatedAt,
        HoldExpiresAt, HoldExpiresAt is null ? null : Math.Max(0, MaxPaymentAttempts - PaymentAttempts), LastPaymentError);
}
