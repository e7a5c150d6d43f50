using FlashSale.Core;

namespace FlashSale.Service.Sales;

/// <summary>A row of <c>sales</c>.</summary>
public sealed class SaleRow
{
    public string SaleId { get; init; } = "";
    public string Sku { get; init; } = "";
    public string Name { get; init; } = "";
    public int Stock { get; init; }
    public long PriceCents { get; init; }
    public string Currency { get; init; } = "";
    public DateTime StartsAt { get; init; }
    public DateTime EndsAt { get; init; }
    public int PerUserLimit { get; init; }
    public string Checkout { get; init; } = SaleRules.ImmediateCheckout;
    public int HoldSeconds { get; init; } = SaleRules.DefaultHoldSeconds;
    public int MaxPaymentAttempts { get; init; } = SaleRules.DefaultMaxPaymentAttempts;
    public bool Holds => Checkout == SaleRules.HoldCheckout;
    public bool WaitingRoom { get; init; }
    public int PrequeueMinutes { get; init; } = SaleRules.DefaultPrequeueMinutes;
    public int OutflowPerMinute { get; init; } = SaleRules.DefaultOutflowPerMinute;
    public int TokenSeconds { get; init; } = SaleRules.DefaultTokenSeconds;

    /// <summary>How many Redis pools the stock is split over (Pool/SalePools.cs); 1 by default.</summary>
    public int PoolShards { get; init; } = 1;

    /// <summary>When the waiting room's queue opens: <see cref="PrequeueMinutes"/> before the start.</summary>
    public DateTime QueueOpensAt => StartsAt - TimeSpan.FromMinutes(PrequeueMinutes);
    public string Status { get; init; } = "";
    public string? IdempotencyKey { get; init; }
    public string? RequestHash { get; init; }
}
