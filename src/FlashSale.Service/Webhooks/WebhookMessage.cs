using System.Text.Json;
using System.Text.Json.Serialization;
using FlashSale.Service.Claims;

namespace FlashSale.Service.Webhooks;

/// <summary>
/// The body of a delivery: <c>{ "type", "timestamp", "data" }</c>, where a claim event's data is the claim as
/// <c>GET .../claims/{id}</c> shows it (rendered by the same <see cref="ClaimRow.ToResponse"/>) from the row the
/// change left, so a delivery retried days later still tells what happened then.
/// </summary>
public static class WebhookMessage
{
    private static readonly JsonSerializerOptions Snapshot = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly JsonSerializerOptions Body = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string BodyOf(string type, DateTime createdAt, string snapshot)
    {
        object data = type.StartsWith("claim.", StringComparison.Ordinal) ? ClaimOf(snapshot).ToResponse() : JsonDocument.Parse(snapshot).RootElement;
        return JsonSerializer.Serialize(new Envelope(type, DateTime.SpecifyKind(createdAt, DateTimeKind.Utc), data), Body);
    }

    private static ClaimRow ClaimOf(string snapshot)
    {
        var s = JsonSerializer.Deserialize<ClaimSnapshot>(snapshot, Snapshot)!;
        return new ClaimRow
        {
            ClaimId = s.ClaimId, SaleId = s.SaleId, UserId = s.UserId, Quantity = s.Quantity, Status = s.Status, OrderId = s.OrderId,
            PaymentId = s.PaymentId, FailureReason = s.FailureReason, AdmittedAt = s.AdmittedAt.UtcDateTime, UpdatedAt = s.UpdatedAt.UtcDateTime,
            HoldExpiresAt = s.HoldExpiresAt?.UtcDateTime, PaymentAttempts = s.PaymentAttempts, LastPaymentError = s.LastPaymentError,
            MaxPaymentAttempts = s.MaxPaymentAttempts,
        };
    }

    private sealed record Envelope(string Type, DateTime Timestamp, object Data);

    // The claims row as to_jsonb wrote it in the trigger (012_merchant_webhooks.sql).
    private sealed record ClaimSnapshot(
        string ClaimId, string SaleId, string UserId, int Quantity, string Status, string? OrderId, string? PaymentId, string? FailureReason,
        DateTimeOffset AdmittedAt, DateTimeOffset UpdatedAt, DateTimeOffset? HoldExpiresAt, int PaymentAttempts, string? LastPaymentError,
        int MaxPaymentAttempts);
}
