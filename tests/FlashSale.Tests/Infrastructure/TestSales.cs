using FlashSale.Core;
using FlashSale.Service.Sales;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// A fixed sale window far from the wall clock: the admit script takes the time from the caller, so tests
/// pass <c>now</c> explicitly and never depend on when they run.
/// </summary>
public static class TestSales
{
    public const string PaymentMethod = "pm_card_visa";

    public static readonly DateTime StartsAt = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime EndsAt = StartsAt.AddHours(1);

    public static DateTimeOffset Inside => new(StartsAt.AddMinutes(30));

    public static SaleRow Row(int stock, int perUserLimit = 1) => new()
    {
        SaleId = Ids.NewSaleId(),
        Sku = "SKU-TEST",
        Name = "Test sale",
        Stock = stock,
        PriceCents = 1000,
        Currency = "usd",
        StartsAt = StartsAt,
        EndsAt = EndsAt,
        PerUserLimit = perUserLimit,
        Status = SaleStatus.Preloaded,
    };
}
