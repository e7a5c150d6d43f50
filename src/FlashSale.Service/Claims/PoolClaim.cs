using System.Globalization;

namespace FlashSale.Service.Claims;

/// <summary>A claim as the admit script recorded it in the sale's Redis claims hash.</summary>
public sealed record PoolClaim(string ClaimId, string UserId, int Quantity, DateTimeOffset AdmittedAt, string PaymentMethodId)
{
    /// <summary>Reads "userId|quantity|admittedAtMs|paymentMethodId", written by admit.lua.</summary>
    public static PoolClaim Parse(string claimId, string record)
    {
        var parts = record.Split('|');
        return new PoolClaim(claimId, parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[2], CultureInfo.InvariantCulture)),
            parts.Length > 3 ? parts[3] : "");
    }
}
