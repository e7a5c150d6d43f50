namespace FlashSale.Service.Webhooks;

/// <summary>The event types an endpoint may subscribe to (CONTRACT.md, "Webhooks (merchants' systems)").</summary>
public static class WebhookEventTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        "claim.held", "claim.paid", "claim.payment_failed", "claim.expired", "claim.released", "claim.refunded",
        "sale.status_changed", "sale.sold_out",
    ];
}
