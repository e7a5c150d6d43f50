using System.Text.Json;
using System.Text.Json.Serialization;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Sales;

namespace FlashSale.Service.Webhooks;

/// <summary>
/// The body of a delivery: <c>{ "type", "timestamp", "data" }</c>, where a claim event's data is the claim as
/// <c>GET .../claims/{id}</c> shows it (rendered by the same <see cref="ClaimRow.ToResponse"/>) from the row the
/// change left, so a delivery retried days later still tells what happened then. A sale event's data is the sale as
/// <c>GET /admin/sales/{saleId}</c> shows it, with the status the event announced and the counts of the moment it is sent.
/// </summary>
public sealed class WebhookMessage(SaleStore sales, SaleCountsReader counts)
{
    private static readonly JsonSerializerOptions Snapshot = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly JsonSerializerOptions Body = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<string> BodyOfAsync(string type, string saleId, DateTime createdAt, string snapshot, CancellationToken ct)
    {
        var at = DateTime.SpecifyKind(createdAt, DateTimeKind.Utc);
        object data = type.StartsWith("claim.", StringComparison.Ordinal) ? ClaimOf(snapshot).ToResponse() : await SaleOfAsync(saleId, at, snapshot, ct);
        return JsonSerializer.Serialize(new Envelope(type, at, data), Body);
    }

    private async Task<object> SaleOfAsync(string saleId, DateTime at, string snapshot, CancellationToken ct)
    {
        var sale = await sales.GetAsync(saleId, ct) ?? throw new InvalidOperationException($"Sale {saleId} of a webhook event is gone.");
        var announced = JsonSerializer.Deserialize<SaleSnapshot>(snapshot, Snapshot)!;
        var shown = SaleResponse.From(sale, at, await counts.ReadAsync(sale, ct));
        return announced.Status is { } status ? shown with { Status = SaleStatus.Effective(status, sale.StartsAt, sale.EndsAt, at) } : shown;
    }

    // What the sale triggers wrote (012_merchant_webhooks.sql): the status announced, for a status change.
    private sealed record SaleSnapshot(string? Status, string? PreviousStatus);

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
