using FlashSale.Core;
using FlashSale.Service.WaitingRoom;

namespace FlashSale.Service.Sales;

/// <summary>A sale as merchants see it.</summary>
public sealed record SaleResponse(
    string SaleId, string Sku, string Name, int Stock, long PriceCents, string Currency,
    DateTime StartsAt, DateTime EndsAt, int PerUserLimit, string Status, string Checkout, int HoldSeconds, int MaxPaymentAttempts,
    WaitingRoomSettings WaitingRoom, SaleCounts? Counts = null, int PoolShards = 1)
{
    public static SaleResponse From(SaleRow s, DateTime now, SaleCounts? counts = null) =>
        new(s.SaleId, s.Sku, s.Name, s.Stock, s.PriceCents, s.Currency, s.StartsAt, s.EndsAt, s.PerUserLimit,
            SaleStatus.Effective(s.Status, s.StartsAt, s.EndsAt, now), s.Checkout, s.HoldSeconds, s.MaxPaymentAttempts,
            new WaitingRoomSettings(s.WaitingRoom, s.PrequeueMinutes, s.OutflowPerMinute, s.TokenSeconds), counts, s.PoolShards);
}

/// <summary>
/// Live counts, in units. <c>remaining</c> and <c>admitted</c> come from Redis (admitted ever); the rest from
/// PostgreSQL: <c>confirmed</c> counts every claim that got its stock confirmed, whatever happened next;
/// <c>released</c> the units given back (declines, releases, expiries); <c>inFlight</c> the units admitted
/// but not yet paid, given back or rejected.
/// </summary>
public sealed record SaleCounts(
    int Stock, int Remaining, int Admitted, int Confirmed, int Paid, int PaymentFailed, int Released, int Rejected,
    int InFlight, int Sold, int? QueueWaiting = null, int? QueueAdmitted = null, int? QueueUsed = null);

/// <summary>A sale as buyers see it: no counts beyond the approximate units left.</summary>
public sealed record PublicSaleResponse(
    string SaleId, string Name, long PriceCents, string Currency, DateTime StartsAt, DateTime EndsAt,
    string Status, int Remaining, int PerUserLimit);
