using Dapper;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Ops;
using FlashSale.Service.Reconciliation;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// Rebuilds a sale's pool from PostgreSQL after Redis lost writes (lua/heal.lua): every recorded claim the pool does
/// not know is put back with its buyer's dedupe token and its units, and what PostgreSQL gave back is given back.
/// What it restored is a <c>lost_admit</c> repair in the sale report (<c>lostAdmits</c>).
/// </summary>
/// A sale of several pools is healed pool by pool: each gets back its booked moves (<see cref="PoolTransfers.ReapplyAsync"/>)
/// and then its own claims (a claim's id names its pool).
public sealed class PoolHealer(
    NpgsqlDataSource db, IConnectionMultiplexer redis, RedisScripts scripts, RepairLog repairs, PoolTransfers transfers, ILogger<PoolHealer> logger)
{
    // Claims per script call: each call is atomic and short, so admits of other sales on the master never wait long.
    private const int ChunkSize = 500;

    /// <param name="only">Heal only the pools whose keys this says yes to (the pools on one server); null: every pool.</param>
    /// <returns>The units restored (0 when the pools knew every recorded claim).</returns>
    public async Task<int> HealAsync(SaleRow sale, CancellationToken ct, Func<SaleKeys, bool>? only = null)
    {
        var pools = SalePool.PoolsOf(sale);
        List<RecordedClaim> recorded;
        await using (var conn = await db.OpenConnectionAsync(ct))
            recorded = (await conn.QueryAsync<RecordedClaim>(new CommandDefinition("""
                SELECT claim_id, user_id, quantity, payment_method_id, admitted_at, status FROM claims WHERE sale_id = @SaleId
                """, sale, cancellationToken: ct))).AsList();
        var byPool = recorded.ToLookup(c => pools.IndexOfClaim(c.ClaimId));
        var units = 0;
        for (var i = 0; i < pools.Count; i++)
            if (only is null || only(pools[i]))
                units += await HealPoolAsync(sale, pools, i, byPool[i].ToList(), ct);
        return units;
    }

    private async Task<int> HealPoolAsync(SaleRow sale, SalePools pools, int index, List<RecordedClaim> recorded, CancellationToken ct)
    {
        var keys = pools[index];
        var rdb = redis.GetDatabase();
        var startsAt = await rdb.HashGetAsync(keys.Meta, "startsAt");
        if (startsAt.IsNull) return 0; // no pool to heal: preload builds it
        // The pool's moves first: what it gave and got is part of its stock before any claim is replayed into it.
        await transfers.ReapplyAsync(pools, index, ct);
        var tokens = DedupeTokens(recorded);
        int claims = 0, units = 0;
        foreach (var chunk in recorded.Chunk(ChunkSize))
        {
            var args = chunk.SelectMany(c => new RedisValue[]
            {
                RedisClaimId.ToRedis(c.ClaimId), c.UserId, c.Quantity,
                new PoolClaim(c.ClaimId, c.UserId, c.Quantity, new DateTimeOffset(DateTime.SpecifyKind(c.AdmittedAt, DateTimeKind.Utc)), c.PaymentMethodId)
                    .ToRecord((long)startsAt),
                c.Status == ClaimStatus.PaymentFailed ? "f" : ClaimStatus.ReturnsStock(c.Status) ? "1" : "0",
                tokens.TryGetValue(c.ClaimId, out var token) ? token : RedisValue.EmptyString,
            }).ToArray();
            var result = (RedisResult[])(await scripts.Heal.EvaluateAsync(rdb, [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Released], args))!;
            claims += (int)result[0];
            units += (int)result[1];
        }
        if (units > 0)
        {
            FlashSaleMetrics.LostAdmits.WithLabels(sale.SaleId).Inc(units);
            logger.LogWarning("Sale {SaleId}: Redis had lost {Claims} claims PostgreSQL recorded; put back", sale.SaleId, claims);
            await repairs.RecordAsync(sale.SaleId, RepairLog.LostAdmit, null, units,
                $"{claims} claims recorded in PostgreSQL were missing from Redis (lost in a failover or a restart); put back with their dedupe tokens", ct);
        }
        return units;
    }

    /// <summary>
    /// The dedupe token of each buyer's latest claim, as admit.lua leaves it (<see cref="DedupeToken"/>; heal.lua adds
    /// the failed mark with the units). The latest is the one not payment_failed
    /// if there is one (a buyer claims again only after a failure), else the last admitted.
    /// </summary>
    private static Dictionary<string, RedisValue> DedupeTokens(List<RecordedClaim> recorded)
    {
        var tokens = new Dictionary<string, RedisValue>(StringComparer.Ordinal);
        foreach (var buyer in recorded.GroupBy(c => c.UserId, StringComparer.Ordinal))
        {
            var latest = buyer.OrderBy(c => c.Status != ClaimStatus.PaymentFailed).ThenBy(c => c.AdmittedAt)
                .ThenBy(c => c.ClaimId, StringComparer.Ordinal).Last();
            tokens[latest.ClaimId] = DedupeToken.For(latest.ClaimId, buyer.Count());
        }
        return tokens;
    }

    private sealed class RecordedClaim
    {
        public string ClaimId { get; init; } = "";
        public string UserId { get; init; } = "";
        public int Quantity { get; init; }
        public string PaymentMethodId { get; init; } = "";
        public DateTime AdmittedAt { get; init; }
        public string Status { get; init; } = "";
    }
}
