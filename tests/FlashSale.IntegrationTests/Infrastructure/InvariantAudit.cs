using Dapper;
using FlashSale.Core;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>The contract's invariants, read from PostgreSQL and Redis directly, not through the API.</summary>
public sealed class InvariantAudit(NpgsqlDataSource db, IDatabase redis)
{
    public static InvariantAudit For(ServiceFixture app) => new(app.Db, app.Redis);

    public async Task<SaleLedger> ReadAsync(string saleId)
    {
        await using var conn = await db.OpenConnectionAsync();
        var inventory = await conn.QuerySingleAsync<(int Total, int Sold)>(
            "SELECT total, sold FROM sale_inventory WHERE sale_id = @saleId", new { saleId });
        var claims = (await conn.QueryAsync<(string ClaimId, string UserId, int Quantity, string Status)>(
            "SELECT claim_id, user_id, quantity, status FROM claims WHERE sale_id = @saleId", new { saleId })).ToList();
        // An immediate claim's one charge, and a hold's charges by attempt (the key ends "-{attempt}").
        var keys = claims.Select(c => ChargeRequest.IdempotencyKeyFor(c.ClaimId)).ToArray();
        var attempts = keys.Select(k => k + "-%").ToArray();
        var charges = (await conn.QueryAsync<(string Key, string Outcome, int Attempts)>(
            "SELECT idempotency_key, outcome, attempts FROM simulated_charges WHERE idempotency_key = ANY(@keys) OR idempotency_key LIKE ANY(@attempts)",
            new { keys, attempts })).ToList();

        var sale = new SaleKeys(saleId);
        var remaining = (int)await redis.StringGetAsync(sale.Remaining);
        var admitted = (int)await redis.HashGetAsync(sale.Meta, "admitted");
        var users = await redis.HashLengthAsync(sale.Users);
        return new SaleLedger(inventory.Total, inventory.Sold, remaining, admitted, (int)users, claims, charges);
    }

    /// <summary>Every invariant of CONTRACT.md, for a sale whose traffic stopped and whose claims settled.</summary>
    /// <param name="simulatedGateway">False when another gateway charged: the caller checks its charges itself.</param>
    public async Task<SaleLedger> AssertSettledAsync(string saleId, bool simulatedGateway = true)
    {
        var l = await ReadAsync(saleId);
        // 1. Never oversold.
        Assert.True(l.PaidUnits <= l.Total, $"paid {l.PaidUnits} > stock {l.Total}");
        Assert.True(l.Sold <= l.Total, $"sold {l.Sold} > stock {l.Total}");
        Assert.True(l.RedisRemaining >= 0, $"Redis remaining {l.RedisRemaining} < 0");
        // 2. One claim per user.
        Assert.Equal(l.Claims.Count, l.Claims.Select(c => c.UserId).Distinct().Count());
        Assert.Equal(l.RedisUsers, l.Claims.Count);
        // 3. Nothing lost: every admitted claim is recorded and terminal.
        Assert.All(l.Claims, c => Assert.True(ClaimStatus.IsTerminal(c.Status), $"claim {c.ClaimId} is {c.Status}"));
        Assert.Equal(l.RedisAdmitted, l.Claims.Sum(c => c.Quantity));
        // 4. Stock conserved, in Redis and in PostgreSQL alike.
        Assert.Equal(l.Total, l.RedisRemaining + l.PaidUnits);
        Assert.Equal(l.Total, (l.Total - l.Sold) + l.PaidUnits);
        // 5. At most one successful charge per claim, and one for every paid claim.
        if (!simulatedGateway) return l;
        Assert.All(l.Charges, c => Assert.Equal(1, l.Charges.Count(x => x.Key == c.Key)));
        Assert.All(l.Claims, claim => Assert.True(l.Charges.Count(c => c.Outcome == "succeeded" && c.Key.StartsWith(ChargeRequest.IdempotencyKeyFor(claim.ClaimId), StringComparison.Ordinal)) <= 1,
            $"claim {claim.ClaimId} was charged more than once"));
        Assert.Equal(l.Claims.Count(c => c.Status == ClaimStatus.Paid), l.Charges.Count(c => c.Outcome == "succeeded"));
        return l;
    }
}

public sealed record SaleLedger(
    int Total, int Sold, int RedisRemaining, int RedisAdmitted, int RedisUsers,
    IReadOnlyList<(string ClaimId, string UserId, int Quantity, string Status)> Claims,
    IReadOnlyList<(string Key, string Outcome, int Attempts)> Charges)
{
    public int PaidUnits => Claims.Where(c => c.Status == ClaimStatus.Paid).Sum(c => c.Quantity);
}
