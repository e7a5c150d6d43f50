using System.Globalization;
using FlashSale.Service.Queue;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// A claim's entry in its sale's queue stream: written by lua/admit.lua (the fields below, in this order) and by the
/// reconciler when it queues a lost claim again, read by the Redis Streams transport. The only place that knows it.
/// </summary>
public static class QueueEntry
{
    public static NameValueEntry[] Fields(ClaimMessage claim) =>
    [
        new("claimId", claim.ClaimId), new("userId", claim.UserId), new("quantity", claim.Quantity),
        new("paymentMethodId", claim.PaymentMethodId), new("admittedAt", claim.AdmittedAt.ToUnixTimeMilliseconds()),
    ];

    /// <returns>The claim, or null when the entry is not one (the worker dead-letters what it cannot read).</returns>
    public static ClaimMessage? Parse(string saleId, StreamEntry entry)
    {
        try
        {
            return new ClaimMessage(
                (string)entry["claimId"]!, saleId, (string)entry["userId"]!,
                int.Parse((string)entry["quantity"]!, CultureInfo.InvariantCulture), (string)entry["paymentMethodId"]!,
                DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)entry["admittedAt"]!, CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is FormatException or ArgumentNullException or OverflowException)
        {
            return null;
        }
    }
}
