using Dapper;
using Npgsql;

namespace FlashSale.Service.Orders;

/// <summary>One order event as the outbox stores it.</summary>
public sealed record OrderEventRow(
    string Type, string? OrderId, string ClaimId, string SaleId, long AmountCents, string Currency, string? PaymentId, string? FailureReason);

/// <summary>
/// Writes order events inside the caller's transaction, the one that changes the claims' statuses, so an event
/// exists exactly when its change does (transactional outbox); <see cref="OrderEventRelay"/> sends them.
/// </summary>
public static class OrderEventOutbox
{
    public static Task AddAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<OrderEventRow> events, CancellationToken ct) =>
        events.Count == 0 ? Task.CompletedTask : conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO order_events (event_id, type, order_id, claim_id, sale_id, amount_cents, currency, payment_id, failure_reason)
            SELECT * FROM unnest(@eventIds, @types, @orderIds, @claimIds, @saleIds, @amounts, @currencies, @paymentIds, @reasons)
            """, new
        {
            // Version 7: ordered by creation, so the relay's order is the order of the changes.
            eventIds = events.Select(_ => Guid.CreateVersion7()).ToArray(),
            types = events.Select(e => e.Type).ToArray(),
            orderIds = events.Select(e => e.OrderId).ToArray(),
            claimIds = events.Select(e => e.ClaimId).ToArray(),
            saleIds = events.Select(e => e.SaleId).ToArray(),
            amounts = events.Select(e => e.AmountCents).ToArray(),
            currencies = events.Select(e => e.Currency).ToArray(),
            paymentIds = events.Select(e => e.PaymentId).ToArray(),
            reasons = events.Select(e => e.FailureReason).ToArray(),
        }, tx, cancellationToken: ct));
}
