using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// The shuffle seeds, from PostgreSQL (made with the sale, Sales/SaleStore.cs, never changed). Read once per
/// process: a seed never changes, so a restart or another process reads the same one.
/// </summary>
public sealed class ShuffleSeeds(NpgsqlDataSource db)
{
    private readonly ConcurrentDictionary<string, byte[]> _seeds = new(StringComparer.Ordinal);

    public async Task<byte[]?> GetAsync(string saleId, CancellationToken ct)
    {
        if (_seeds.TryGetValue(saleId, out var known)) return known;
        await using var conn = await db.OpenConnectionAsync(ct);
        var seed = await conn.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "SELECT seed FROM waiting_room_seeds WHERE sale_id = @saleId", new { saleId }, cancellationToken: ct));
        if (seed is not null) _seeds.TryAdd(saleId, seed);
        return seed;
    }

    /// <summary>What is published when the queue opens: hex SHA-256 of the seed.</summary>
    public static string Commitment(byte[] seed) => Convert.ToHexStringLower(SHA256.HashData(seed));
}
