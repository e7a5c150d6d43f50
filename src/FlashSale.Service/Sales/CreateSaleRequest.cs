using FlashSale.Service.WaitingRoom;

namespace FlashSale.Service.Sales;

/// <summary>The body of <c>POST /admin/sales</c>. Everything nullable so a missing member is a field error, not a crash.</summary>
public sealed record CreateSaleRequest(
    string? Sku, string? Name, int? Stock, long? PriceCents, string? Currency,
    DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, int? PerUserLimit,
    string? Checkout = null, int? HoldSeconds = null, int? MaxPaymentAttempts = null,
    WaitingRoomSettings? WaitingRoom = null, int? PoolShards = null);
