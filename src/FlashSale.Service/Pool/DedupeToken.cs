using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// A buyer's entry in the sale's users hash, written by lua/admit.lua and lua/release.lua (and rebuilt by lua/heal.lua):
/// their latest claim's 16 bytes (<see cref="RedisClaimId"/>), then, only once they claimed again, their number of
/// claims in the sale, then <c>f</c> once that claim failed payment and its units went back (they may claim again).
/// A first claim's token is the bare 16 bytes, so most buyers cost no more than before the rule.
/// </summary>
public readonly record struct DedupeToken(string ClaimId, int Claims, bool Failed)
{
    private const int KeyLength = 16;

    /// <summary>The token of a claim not yet failed, as admit.lua writes it.</summary>
    public static RedisValue For(string claimId, int claims)
    {
        var key = (byte[])RedisClaimId.ToRedis(claimId)!;
        if (claims == 1) return key;
        return key.Concat(Encoding.ASCII.GetBytes(claims.ToString(CultureInfo.InvariantCulture))).ToArray();
    }

    public static DedupeToken Parse(RedisValue stored)
    {
        var bytes = (byte[]?)stored ?? throw new FormatException("No dedupe token.");
        if (bytes.Length < KeyLength) throw new FormatException($"A dedupe token is {bytes.Length} bytes, under {KeyLength}.");
        var tail = Encoding.ASCII.GetString(bytes, KeyLength, bytes.Length - KeyLength);
        var failed = tail.EndsWith('f');
        var count = failed ? tail[..^1] : tail;
        return new DedupeToken(RedisClaimId.FromRedis(bytes[..KeyLength]), count.Length == 0 ? 1 : int.Parse(count, CultureInfo.InvariantCulture), failed);
    }
}
