using Dapper;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>The order events of one sale: as the outbox holds them in PostgreSQL, and as consumers see them on the stream.</summary>
public static class OrderStream
{
    public const string Key = "flashsale.orders";

    public static async Task<IReadOnlyList<Dictionary<string, string>>> PublishedAsync(IDatabase redis, string saleId, DateTimeOffset since)
    {
        var entries = await redis.StreamRangeAsync(Key, minId: $"{since.ToUnixTimeMilliseconds()}-0");
        return entries.Select(e => e.Values.ToDictionary(v => (string)v.Name!, v => (string)v.Value!))
            .Where(f => f.GetValueOrDefault("saleId") == saleId).ToList();
    }

    public static async Task<IReadOnlyList<OutboxRow>> OutboxAsync(NpgsqlDataSource db, string saleId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<OutboxRow>("""
            SELECT event_id, type, order_id, claim_id, amount_cents, currency, payment_id, failure_reason, published_at IS NOT NULL AS published
            FROM order_events WHERE sale_id = @saleId
            """, new { saleId })).ToList();
    }

    public static async Task<Dictionary<string, (string Status, string? PaymentId)>> ClaimsAsync(NpgsqlDataSource db, string saleId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<(string ClaimId, string Status, string? PaymentId)>(
                "SELECT claim_id, status, payment_id FROM claims WHERE sale_id = @saleId", new { saleId }))
            .ToDictionary(c => c.ClaimId, c => (c.Status, c.PaymentId));
    }
}

public sealed class OutboxRow
{
    public Guid EventId { get; init; }
    public string Type { get; init; } = "";
    public string? OrderId { get; init; }
    public string ClaimId { get; init; } = "";
    public long AmountCents { get; init; }
    public string Currency { get; init; } = "";
    public string? PaymentId { get; init; }
    public string? FailureReason { get; init; }
    public bool Published { get; init; }
}
