using Dapper;
using Npgsql;

namespace FlashSale.Service.Webhooks;

/// <summary>The endpoints and their deliveries in PostgreSQL, as the admin API reads and changes them.</summary>
public sealed class WebhookStore(NpgsqlDataSource db)
{
    private sealed class EndpointRow
    {
        public string WebhookId { get; init; } = "";
        public string Url { get; init; } = "";
        public string[] Events { get; init; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime? DisabledAt { get; init; }
    }

    public async Task<WebhookResponse> CreateAsync(string url, string[] events, string secret, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleAsync<EndpointRow>(new CommandDefinition("""
            INSERT INTO webhook_endpoints (webhook_id, url, events, secret) VALUES (@id, @url, @events, @secret)
            RETURNING webhook_id, url, events, created_at, disabled_at
            """, new { id = "wh_" + Guid.CreateVersion7().ToString("N"), url, events, secret }, cancellationToken: ct));
        return ToResponse(row) with { Secret = secret };
    }

    public async Task<List<WebhookResponse>> ListAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<EndpointRow>(new CommandDefinition(
            "SELECT webhook_id, url, events, created_at, disabled_at FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at",
            cancellationToken: ct))).Select(ToResponse).ToList();
    }

    public async Task<WebhookResponse?> GetAsync(string webhookId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QueryFirstOrDefaultAsync<EndpointRow>(new CommandDefinition(
            "SELECT webhook_id, url, events, created_at, disabled_at FROM webhook_endpoints WHERE webhook_id = @webhookId AND deleted_at IS NULL",
            new { webhookId }, cancellationToken: ct));
        return row is null ? null : ToResponse(row);
    }

    /// <summary>Removes the endpoint; its deliveries not yet made are canceled.</summary>
    public async Task<bool> DeleteAsync(string webhookId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_endpoints SET deleted_at = now() WHERE webhook_id = @webhookId AND deleted_at IS NULL", new { webhookId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE webhook_deliveries SET status = 'canceled' WHERE webhook_id = @webhookId AND status = 'pending'", new { webhookId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return deleted == 1;
    }

    /// <summary>The endpoint's newest deliveries first, each with its attempts.</summary>
    public async Task<List<WebhookDeliveryResponse>> DeliveriesAsync(string webhookId, int limit, long? deliveryId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var deliveries = (await conn.QueryAsync<(long DeliveryId, string EventId, string Type, string? ClaimId, string Status, int Attempts,
            DateTime CreatedAt, DateTime NextAttemptAt, DateTime? DeliveredAt)>(new CommandDefinition("""
            SELECT d.delivery_id, d.event_id, e.type, e.claim_id, d.status, d.attempts, d.created_at, d.next_attempt_at, d.delivered_at
            FROM webhook_deliveries d JOIN webhook_events e ON e.event_id = d.event_id
            WHERE d.webhook_id = @webhookId AND (@deliveryId::bigint IS NULL OR d.delivery_id = @deliveryId)
            ORDER BY d.delivery_id DESC LIMIT @limit
            """, new { webhookId, limit, deliveryId }, cancellationToken: ct))).AsList();
        var attempts = (await conn.QueryAsync<(long DeliveryId, DateTime At, int? StatusCode, string? Error, int DurationMs)>(new CommandDefinition("""
            SELECT delivery_id, attempted_at, status_code, error, duration_ms FROM webhook_attempts
            WHERE delivery_id = ANY(@ids) ORDER BY attempted_at
            """, new { ids = deliveries.Select(d => d.DeliveryId).ToArray() }, cancellationToken: ct))).ToLookup(a => a.DeliveryId);
        return deliveries.Select(d => new WebhookDeliveryResponse(d.DeliveryId, d.EventId, d.Type, d.ClaimId, d.Status, d.Attempts, d.CreatedAt,
            d.Status == "pending" ? d.NextAttemptAt : null, d.DeliveredAt,
            attempts[d.DeliveryId].Select(a => new WebhookAttemptResponse(a.At, a.StatusCode, a.Error, a.DurationMs)).ToList())).ToList();
    }

    /// <summary>
    /// Sends one delivery again now, whatever became of it (delivered, failed, waiting for its next retry), and enables
    /// its endpoint again: the merchant asking for a retry says the endpoint is back.
    /// </summary>
    public async Task<bool> RetryAsync(string webhookId, long deliveryId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var retried = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), leased_until = NULL
            WHERE webhook_id = @webhookId AND delivery_id = @deliveryId AND status <> 'canceled'
              AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE webhook_id = @webhookId AND deleted_at IS NULL)
            """, new { webhookId, deliveryId }, tx, cancellationToken: ct));
        if (retried == 1)
            await conn.ExecuteAsync(new CommandDefinition("UPDATE webhook_endpoints SET disabled_at = NULL WHERE webhook_id = @webhookId",
                new { webhookId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return retried == 1;
    }

    private static WebhookResponse ToResponse(EndpointRow row) =>
        new(row.WebhookId, row.Url, row.Events, row.DisabledAt is not null, DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc));
}
