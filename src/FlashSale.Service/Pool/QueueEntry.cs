using System.Globalization;
using System.Text;
using FlashSale.Service.Queue;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// A claim's entry in its sale's queue stream: written by lua/admit.lua and by the reconciler when it queues a lost
/// claim again, read by the Redis Streams transport. The only place that knows it.
/// </summary>
/// <remarks>
/// One field, <c>e</c>: the claim id's 16 bytes (<see cref="RedisClaimId"/>), then
/// <c>quantity|admittedAtMs|paymentMethodId|userId</c> (neither a payment method nor a user id may hold a '|',
/// Core/ClaimRules.cs). Entries of five named fields (claimId, userId, quantity, paymentMethodId, admittedAt), written
/// before the one-field form, are still read while any may be queued.
/// </remarks>
public static class QueueEntry
{
    public const string Field = "e";
    private const int KeyLength = 16;

    public static NameValueEntry[] Fields(ClaimMessage claim)
    {
        var key = (byte[])RedisClaimId.ToRedis(claim.ClaimId)!;
        var rest = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{claim.Quantity}|{claim.AdmittedAt.ToUnixTimeMilliseconds()}|{claim.PaymentMethodId}|{claim.UserId}"));
        return [new(Field, (RedisValue)(byte[])[.. key, .. rest])];
    }

    /// <returns>The claim, or null when the entry is not one (the worker dead-letters what it cannot read).</returns>
    public static ClaimMessage? Parse(string saleId, StreamEntry entry)
    {
        try
        {
            var packed = entry[Field];
            return packed.IsNull ? ParseNamed(saleId, entry) : ParsePacked(saleId, (byte[])packed!);
        }
        catch (Exception e) when (e is FormatException or ArgumentNullException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    private static ClaimMessage? ParsePacked(string saleId, byte[] packed)
    {
        if (packed.Length <= KeyLength) return null;
        var claimId = RedisClaimId.FromRedis(packed[..KeyLength]);
        var parts = Encoding.UTF8.GetString(packed, KeyLength, packed.Length - KeyLength).Split('|', 4);
        if (parts.Length != 4) return null;
        return new ClaimMessage(claimId, saleId, parts[3], int.Parse(parts[0], CultureInfo.InvariantCulture), parts[2],
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)));
    }

    private static ClaimMessage ParseNamed(string saleId, StreamEntry entry) => new(
        (string)entry["claimId"]!, saleId, (string)entry["userId"]!,
        int.Parse((string)entry["quantity"]!, CultureInfo.InvariantCulture), (string)entry["paymentMethodId"]!,
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)entry["admittedAt"]!, CultureInfo.InvariantCulture)));
}
