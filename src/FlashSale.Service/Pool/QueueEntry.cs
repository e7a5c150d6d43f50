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
/// One field, <c>e</c>, in one of two forms:
/// <list type="bullet">
/// <item>lua/admit.lua writes the claim id's 16 bytes alone (<see cref="RedisClaimId"/>): the rest of the claim is its
/// record in the pool's claims hash, written by the same script, which the transport reads once per batch
/// (<see cref="ReadRecordsAsync"/>). The entry is the smallest a stream holds; the record is there anyway.</item>
/// <item><see cref="Fields"/> writes the 16 bytes, then <c>quantity|admittedAtMs|paymentMethodId|userId</c> (neither a
/// payment method nor a user id may hold a '|', Core/ClaimRules.cs): an entry that stands on its own.</item>
/// </list>
/// Entries of five named fields (claimId, userId, quantity, paymentMethodId, admittedAt), written before the one-field
/// form, are still read while any may be queued.
/// </remarks>
public static class QueueEntry
{
    public const string Field = "e";
    private const int KeyLength = 16;

    private static readonly IReadOnlyDictionary<string, PoolClaim> NoRecords = new Dictionary<string, PoolClaim>();

    /// <summary>
    /// The claim records of the key-only entries among <paramref name="entries"/>, from the pool's claims hash (one
    /// <c>HMGET</c>, and the meta's <c>startsAt</c> the records count their time from), by claim id.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, PoolClaim>> ReadRecordsAsync(IDatabaseAsync db, SaleKeys keys, IReadOnlyCollection<StreamEntry> entries)
    {
        var wanted = entries.Select(e => e[Field]).Where(v => !v.IsNull && ((byte[])v!).Length == KeyLength).ToArray();
        if (wanted.Length == 0) return NoRecords;
        var records = db.HashGetAsync(keys.Claims, wanted);
        var startsAt = db.HashGetAsync(keys.Meta, "startsAt");
        await Task.WhenAll(records, startsAt);
        if (startsAt.Result.IsNull) return NoRecords;
        var found = new Dictionary<string, PoolClaim>(wanted.Length, StringComparer.Ordinal);
        for (var i = 0; i < wanted.Length; i++)
        {
            if (records.Result[i].IsNull) continue;
            var claim = PoolClaim.Parse(wanted[i], records.Result[i]!, (long)startsAt.Result);
            found[claim.ClaimId] = claim;
        }
        return found;
    }

    /// <summary>The entries of one pool read back as claims, their records fetched as the transport fetches them.</summary>
    public static async Task<IReadOnlyList<ClaimMessage?>> ReadAsync(IDatabaseAsync db, SaleKeys keys, IReadOnlyCollection<StreamEntry> entries)
    {
        var records = await ReadRecordsAsync(db, keys, entries);
        return entries.Select(e => Parse(keys.SaleId, e, records)).ToList();
    }

    public static NameValueEntry[] Fields(ClaimMessage claim)
    {
        var key = (byte[])RedisClaimId.ToRedis(claim.ClaimId)!;
        var rest = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{claim.Quantity}|{claim.AdmittedAt.ToUnixTimeMilliseconds()}|{claim.PaymentMethodId}|{claim.UserId}"));
        return [new(Field, (RedisValue)(byte[])[.. key, .. rest])];
    }

    /// <param name="records">The records of key-only entries (<see cref="ReadRecordsAsync"/>); an entry whose record is
    /// missing is not a claim this can read.</param>
    /// <returns>The claim, or null when the entry is not one (the worker dead-letters what it cannot read).</returns>
    public static ClaimMessage? Parse(string saleId, StreamEntry entry, IReadOnlyDictionary<string, PoolClaim>? records = null)
    {
        try
        {
            var packed = entry[Field];
            if (packed.IsNull) return ParseNamed(saleId, entry);
            var bytes = (byte[])packed!;
            if (bytes.Length != KeyLength) return ParsePacked(saleId, bytes);
            return (records ?? NoRecords).TryGetValue(RedisClaimId.FromRedis(bytes), out var claim)
                ? new ClaimMessage(claim.ClaimId, saleId, claim.UserId, claim.Quantity, claim.PaymentMethodId, claim.AdmittedAt)
                : null;
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
