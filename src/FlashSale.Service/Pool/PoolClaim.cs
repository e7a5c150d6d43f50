using System.Globalization;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>A claim as the admit script recorded it in the sale's Redis claims hash.</summary>
public sealed record PoolClaim(string ClaimId, string UserId, int Quantity, DateTimeOffset AdmittedAt, string PaymentMethodId)
{
    /// <summary>
    /// Reads one entry of the claims hash, written by admit.lua: the claim id as 16 bytes (<see cref="RedisClaimId"/>)
    /// and "userId|quantity|msSinceStart|paymentMethodId", the time counted from the pool's meta <c>startsAt</c>.
    /// </summary>
    /// <summary>The record as admit.lua writes it, the time counted from <paramref name="startsAtMs"/>.</summary>
    public string ToRecord(long startsAtMs) =>
        string.Create(CultureInfo.InvariantCulture, $"{UserId}|{Quantity}|{AdmittedAt.ToUnixTimeMilliseconds() - startsAtMs}|{PaymentMethodId}");

    public static PoolClaim Parse(RedisValue storedId, string record, long startsAtMs)
    {
        var parts = record.Split('|');
        return new PoolClaim(RedisClaimId.FromRedis(storedId), parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(startsAtMs + long.Parse(parts[2], CultureInfo.InvariantCulture)),
            parts.Length > 3 ? parts[3] : "");
    }
}
