using FlashSale.Core;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// A claim id as the sale's pool stores it: the 16 bytes behind its 32 hex digits, not the 36 characters of
/// "clm_" + hex. Every claim keeps its id in two hash entries (the user's dedupe token and the claim record's
/// field); 36 characters cost a 48-byte allocation each, 16 bytes a 32-byte one. Only the pool uses this form:
/// the API, the queue entry, PostgreSQL and the logs keep the text id.
/// </summary>
public static class RedisClaimId
{
    private const string Prefix = "clm_";
    private const int Length = 16;

    public static RedisValue ToRedis(string claimId)
    {
        if (!Ids.IsClaimId(claimId)) throw new ArgumentException($"'{claimId}' is not a claim id.", nameof(claimId));
        return Convert.FromHexString(claimId.AsSpan(Prefix.Length));
    }

    public static string FromRedis(RedisValue stored)
    {
        var bytes = (byte[]?)stored;
        // A pool written before ids were stored as bytes holds the text id (36 bytes); such pools are not read.
        if (bytes is not { Length: Length })
            throw new FormatException($"A stored claim id is {bytes?.Length ?? 0} bytes, not {Length}.");
        return Prefix + Convert.ToHexStringLower(bytes);
    }
}
