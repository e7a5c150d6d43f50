using Dapper;
using FlashSale.Core;
using FlashSale.Service.Http;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace FlashSale.Service.Claims;

/// <summary>
/// Finds a claim: in PostgreSQL once the worker recorded it, else in Redis, where the admit script put it
/// (a claim is <c>admitted</c> there until the worker confirms it, or <c>held</c> in a hold sale).
/// </summary>
public sealed class ClaimReader(NpgsqlDataSource db, IConnectionMultiplexer redis, SaleStore sales)
{
    /// <summary>The problem for a claim id that finds nothing: the sale's id is named first if it is the unknown one.</summary>
    public async Task<ProblemHttpResult> NotFoundAsync(string saleId, CancellationToken ct) =>
        await sales.GetAsync(saleId, ct) is null ? Problems.SaleNotFound() : Problems.ClaimNotFound();

    public async Task<ClaimResponse?> FindAsync(string saleId, string claimId, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var row = (await ClaimRow.ReadAsync(conn, [claimId], null, ct)).SingleOrDefault(r => r.SaleId == saleId);
            if (row is not null) return row.ToResponse();
        }

        // The claim's pool: its id names it among the sale's pools (Pool/SalePools.cs).
        var sale = await sales.GetAsync(saleId, ct);
        if (sale is null) return null;
        var keys = SalePool.PoolsOf(sale).OfClaim(claimId);
        var key = RedisClaimId.ToRedis(claimId);
        var rdb = redis.GetDatabase();
        // Both in one round trip: the record's admission time is counted from the pool's startsAt.
        var pending = rdb.HashGetAsync(keys.Claims, key);
        var meta = rdb.HashGetAsync(keys.Meta, ["startsAt", "holdMs"]);
        await Task.WhenAll(pending, meta);
        if (pending.Result.IsNull || meta.Result[0].IsNull) return null;
        var claim = PoolClaim.Parse(key, pending.Result!, (long)meta.Result[0]);
        var admittedAt = claim.AdmittedAt.UtcDateTime;
        if ((long?)meta.Result[1] is > 0 and var holdMs)
        {
            var attempts = sale.MaxPaymentAttempts;
            return new ClaimResponse(claimId, saleId, claim.UserId, claim.Quantity, ClaimStatus.Held, null, null, admittedAt,
                admittedAt.AddMilliseconds(holdMs), attempts);
        }
        return new ClaimResponse(claimId, saleId, claim.UserId, claim.Quantity, ClaimStatus.Admitted, null, null, admittedAt);
    }
}
