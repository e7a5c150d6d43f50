using FlashSale.Core;
using FlashSale.Service.Sales;

namespace FlashSale.Tests.Infrastructure;

/// <summary>
/// Test sales. The admit script judges the window by Redis's own clock, so a window is placed around now
/// (Redis runs on this machine): by default it opened half an hour ago and closes in half an hour.
/// </summary>
public static class TestSales
{
    public const string PaymentMethod = "pm_card_visa";

    /// <param name="startsIn">From now to <c>startsAt</c> (negative: already started); default −30 min.</param>
    /// <param name="endsIn">From now to <c>endsAt</c>; default +30 min.</param>
    /// <param name="checkout">Immediate by default; a hold sale holds its claims for 600 s.</param>
    public static SaleRow Row(int stock, int perUserLimit = 1, TimeSpan? startsIn = null, TimeSpan? endsIn = null,
        int maxPaymentAttempts = SaleRules.DefaultMaxPaymentAttempts, string checkout = SaleRules.ImmediateCheckout, int poolShards = 1)
    {
        // Whole milliseconds, as Redis keeps them.
        var now = DateTime.UnixEpoch.AddMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return new()
        {
            SaleId = Ids.NewSaleId(),
            Sku = "SKU-TEST",
            Name = "Test sale",
            Stock = stock,
            PriceCents = 1000,
            Currency = "usd",
            StartsAt = now + (startsIn ?? TimeSpan.FromMinutes(-30)),
            EndsAt = now + (endsIn ?? TimeSpan.FromMinutes(30)),
            PerUserLimit = perUserLimit,
            Checkout = checkout,
            MaxPaymentAttempts = maxPaymentAttempts,
            Status = SaleStatus.Preloaded,
            PoolShards = poolShards,
        };
    }
}
