using Dapper;
using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Claims;

/// <summary>
/// Finds a claim: in PostgreSQL once the worker recorded it, else in Redis, where the admit script put it
/// (a claim is <c>admitted</c> there until the worker confirms it).
/// </summary>
public sealed class ClaimReader(NpgsqlDataSource db, IConnectionMultiplexer redis)
{
    public async Task<ClaimResponse?> FindAsync(string saleId, string claimId, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var row = (await ClaimRow.ReadAsync(conn, [claimId], null, ct)).SingleOrDefault(r => r.SaleId == saleId);
            if (row is not null) return row.ToResponse();
        }

        var keys = new SaleKeys(saleId);
        var key = RedisClaimId.ToRedis(claimId);
        var rdb = redis.GetDatabase();
        // Both in one round trip: the record's admission time is counted from the pool's startsAt.
        var pending = rdb.HashGetAsync(keys.Claims, key);
        var startsAt = rdb.HashGetAsync(keys.Meta, "startsAt");
        await Task.WhenAll(pending, startsAt);
        if (pending.Result.IsNull || startsAt.Result.IsNull) return null;
        var claim = PoolClaim.Parse(key, pending.Result!, (long)startsAt.Result);
        return new ClaimResponse(claimId, saleId, claim.UserId, claim.Quantity, ClaimStatus.Admitted, null, null, claim.AdmittedAt.UtcDateTime);
    }
}
