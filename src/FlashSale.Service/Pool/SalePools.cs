using System.Collections.Concurrent;
using System.Globalization;

namespace FlashSale.Service.Pool;

/// <summary>
/// The pools a sale's stock is split over (the sale's <c>poolShards</c>, docs/hot-sales.md §3): each pool has the keys
/// of one <see cref="SaleKeys"/> in a hash slot of its own, so on a cluster one hot sale admits on several masters. The
/// first pool is the sale's own slot (<c>{saleId}</c>), so a sale of one pool has exactly the keys it always had.
/// A buyer belongs to one pool, their home (<see cref="HomeOf"/>): their dedupe token and claims live only there, so
/// "one claim per buyer" is still decided by one script on one slot. A claim id carries its pool in its last byte.
/// </summary>
public readonly record struct SalePools(string SaleId, int Count)
{
    public const int Max = 64;

    // Redis Cluster's slot count: the pools' tags are picked to spread over it evenly.
    private const int Slots = 16384;

    private static readonly ConcurrentDictionary<(string SaleId, int Count), string[]> Tags = new();

    public static SalePools Single(string saleId) => new(saleId, 1);

    public bool Sharded => Count > 1;

    /// <summary>The keys of pool <paramref name="index"/>.</summary>
    public SaleKeys this[int index] => index == 0 ? new SaleKeys(SaleId) : new SaleKeys(TagsOf()[index]);

    public IEnumerable<SaleKeys> All
    {
        get
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }
    }

    /// <summary>The buyer's home pool: the same in every process (FNV-1a; string.GetHashCode differs per process).</summary>
    public int HomeOf(string userId)
    {
        if (Count == 1) return 0;
        var hash = 14695981039346656037ul;
        foreach (var c in userId) hash = (hash ^ c) * 1099511628211ul;
        return (int)(hash % (ulong)Count);
    }

    /// <summary>The pool a claim was admitted in (its id's last byte; 0 for a sale of one pool).</summary>
    public int IndexOfClaim(string claimId) =>
        Count == 1 ? 0 : byte.Parse(claimId.AsSpan(claimId.Length - 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) % Count;

    public SaleKeys OfClaim(string claimId) => this[IndexOfClaim(claimId)];

    /// <summary>A new claim id of this sale made to name pool <paramref name="index"/> (a v7 id's last byte is random).</summary>
    public string ClaimIdIn(string claimId, int index) => Count == 1 ? claimId : claimId[..^2] + index.ToString("x2", CultureInfo.InvariantCulture);

    /// <summary>Units of <paramref name="stock"/> pool <paramref name="index"/> starts with: an even split, the remainder to the first pools.</summary>
    public int ShareOf(int stock, int index) => stock / Count + (index < stock % Count ? 1 : 0);

    /// <summary>The sale a pool's tag (a <see cref="SaleKeys.Tag"/>) belongs to.</summary>
    public static string SaleIdOf(string tag)
    {
        var cut = tag.IndexOf('~');
        return cut < 0 ? tag : tag[..cut];
    }

    /// <summary>The pool index a tag names (0 for the sale's own).</summary>
    public static int IndexOf(string tag)
    {
        var cut = tag.IndexOf('~');
        if (cut < 0) return 0;
        var end = tag.IndexOf('~', cut + 1);
        return int.Parse(tag.AsSpan(cut + 1, end - cut - 1), CultureInfo.InvariantCulture);
    }

    private string[] TagsOf() => Tags.GetOrAdd((SaleId, Count), static key => MakeTags(key.SaleId, key.Count));

    // Pool i's tag is "saleId~i~k" with the smallest k that puts its slot in the i-th Count-th of the slot range after
    // the first pool's: the pools fall in distinct parts of the range, so on a cluster whose masters split the range
    // evenly (as redis-cli --cluster create does) N pools over N masters land one on each.
    private static string[] MakeTags(string saleId, int count)
    {
        var tags = new string[count];
        tags[0] = saleId;
        var first = Segment(Crc16.Slot(saleId), count);
        for (var i = 1; i < count; i++)
        {
            var wanted = (first + i) % count;
            for (var k = 0; ; k++)
            {
                var tag = $"{saleId}~{i}~{k}";
                if (Segment(Crc16.Slot(tag), count) != wanted) continue;
                tags[i] = tag;
                break;
            }
        }
        return tags;
    }

    private static int Segment(int slot, int count) => slot * count / Slots;

    /// <summary>Redis Cluster's key slot: CRC16 (XMODEM) of the hash tag, mod 16384.</summary>
    internal static class Crc16
    {
        public static int Slot(string tag)
        {
            ushort crc = 0;
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(tag))
            {
                crc ^= (ushort)(b << 8);
                for (var bit = 0; bit < 8; bit++) crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
            return crc % Slots;
        }
    }
}
