using Dapper;
using Npgsql;

namespace FlashSale.Service.Orders;

/// <summary>
/// Writes an order event inside the caller's transaction, the one that changes the claim's status, so the
/// event exists exactly when the change does (transactional outbox); <see cref="OrderEventRelay"/> sends it.
/// </summary>
public static class OrderEventOutbox
{
    public static Task AddAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string type, string? orderId, string claimId, string saleId,
        long amountCents, string currency, string? paymentId, string? failureReason, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO order_events (event_id, type, order_id, claim_id, sale_id, amount_cents, currency, payment_id, failure_reason)
            VALUES (@eventId, @type, @orderId, @claimId, @saleId, @amountCents, @currency, @paymentId, @failureReason)
            """, new { eventId = Guid.CreateVersion7(), type, orderId, claimId, saleId, amountCents, currency, paymentId, failureReason },
            tx, cancellationToken: ct));
}
