namespace FlashSale.Service.Webhooks;

/// <summary>The body of <c>POST /admin/webhooks</c>.</summary>
public sealed record CreateWebhookRequest(string? Url, string[]? Events, string? Secret);

/// <summary>An endpoint as the admin API shows it; <see cref="Secret"/> only in the answer that created it.</summary>
public sealed record WebhookResponse(string WebhookId, string Url, string[] Events, bool Disabled, DateTime CreatedAt, string? Secret = null);

/// <summary>One delivery of one event to one endpoint, with every attempt made.</summary>
public sealed record WebhookDeliveryResponse(
    long DeliveryId, string EventId, string Type, string? ClaimId, string Status, int AttemptCount, DateTime CreatedAt,
    DateTime? NextAttemptAt, DateTime? DeliveredAt, IReadOnlyList<WebhookAttemptResponse> Attempts);

public sealed record WebhookAttemptResponse(DateTime At, int? StatusCode, string? Error, int DurationMs);
