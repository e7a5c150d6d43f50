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
        var rules = await conn.QuerySingleAsync<(string Checkout, int MaxPaymentAttempts, int PoolShards)>(
            "SELECT checkout, max_payment_attempts, pool_shards FROM sales WHERE sale_id = @saleId", new { saleId });
        var claims = (await conn.QueryAsync<(string ClaimId, string UserId, int Quantity, string Status, DateTime AdmittedAt)>(
            "SELECT claim_id, user_id, quantity, status, admitted_at FROM claims WHERE sale_id = @saleId", new { saleId })).ToList();
        // An immediate claim's one charge, and a hold's charges by attempt (the key ends "-{attempt}").
        var keys = claims.Select(c => ChargeRequest.IdempotencyKeyFor(c.ClaimId)).ToArray();
        var attempts = keys.Select(k => k + "-%").ToArray();
        var charges = (await conn.QueryAsync<(string Key, string Outcome, int Attempts)>(
            "SELECT idempotency_key, outcome, attempts FROM simulated_charges WHERE idempotency_key = ANY(@keys) OR idempotency_key LIKE ANY(@attempts)",
            new { keys, attempts })).ToList();
        // Client confirm: the simulated provider's PaymentIntents that were confirmed, one charge each.
        charges.AddRange(await conn.QueryAsync<(string Key, string Outcome, int Attempts)>("""
            SELECT idempotency_key, CASE WHEN status = 'succeeded' THEN 'succeeded' ELSE 'declined' END, 1 FROM simulated_intents
            WHERE sale_id = @saleId AND (status = 'succeeded' OR decline_code IS NOT NULL)
            """, new { saleId }));
        var refunds = (await conn.QueryAsync<(string Key, string PaymentId, int Attempts)>(
            "SELECT idempotency_key, payment_id, attempts FROM simulated_refunds WHERE idempotency_key = ANY(@refundKeys)",
            new { refundKeys = claims.Select(c => RefundRequest.For(c.ClaimId, saleId, "").IdempotencyKey).ToArray() })).ToList();

        // Summed over the sale's pools (one for most sales): units a move took from one pool and has not yet given to
        // another are still the sale's. Each buyer's token lives in their home pool, and only there.
        var pools = new SalePools(saleId, rules.PoolShards);
        int remaining = 0, admitted = 0, inTransit = 0;
        var tokens = new Dictionary<string, DedupeToken>(StringComparer.Ordinal);
        for (var i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            var left = (int)await redis.StringGetAsync(pool.Remaining);
            Assert.True(left >= 0, $"pool {i} of sale {saleId} has {left} units left");
            remaining += left;
            var meta = await redis.HashGetAsync(pool.Meta, ["admitted", "movedOut", "movedIn"]);
            admitted += (int?)meta[0] ?? 0;
            inTransit += ((int?)meta[1] ?? 0) - ((int?)meta[2] ?? 0);
            foreach (var e in await redis.HashGetAllAsync(pool.Users))
            {
                Assert.Equal(pools.HomeOf(e.Name!), i);
                tokens.Add(e.Name!, DedupeToken.Parse(e.Value));
            }
        }
        Assert.All(claims, c => Assert.Equal(pools.HomeOf(c.UserId), pools.IndexOfClaim(c.ClaimId)));
        remaining += inTransit;
        return new SaleLedger(inventory.Total, inventory.Sold, remaining, admitted, tokens.Count, claims, charges, refunds,
            rules.Checkout == "hold", rules.MaxPaymentAttempts, tokens);
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
        // 2. At most one claim per user that is not payment_failed, at most the sale's attempts in all; Redis's dedupe
        // token of each buyer names their latest claim and counts their claims, marked failed when it failed.
        var buyers = l.Claims.GroupBy(c => c.UserId).ToList();
        Assert.All(buyers, b => Assert.True(b.Count(c => c.Status != ClaimStatus.PaymentFailed) <= 1, $"{b.Key} holds two live claims"));
        Assert.All(buyers, b => Assert.True(b.Count() <= l.ClaimsPerUser, $"{b.Key} made {b.Count()} claims, over {l.ClaimsPerUser}"));
        Assert.Equal(l.RedisUsers, buyers.Count);
        foreach (var buyer in buyers)
        {
            var latest = buyer.OrderBy(c => c.Status != ClaimStatus.PaymentFailed).ThenBy(c => c.AdmittedAt).Last();
            // Only an immediate sale's failed claim marks the token (release.lua), whatever the attempts left.
            var failed = latest.Status == ClaimStatus.PaymentFailed && !l.Holds;
            Assert.Equal(new DedupeToken(latest.ClaimId, buyer.Count(), failed), l.RedisTokens.GetValueOrDefault(buyer.Key));
        }
        // 3. Nothing lost: every admitted claim is recorded and terminal.
        Assert.All(l.Claims, c => Assert.True(ClaimStatus.IsTerminal(c.Status), $"claim {c.ClaimId} is {c.Status}"));
        Assert.Equal(l.RedisAdmitted, l.Claims.Sum(c => c.Quantity));
        // 4. Stock conserved, in Redis and in PostgreSQL alike.
        Assert.Equal(l.Total, l.RedisRemaining + l.PaidUnits);
        Assert.Equal(l.Total, (l.Total - l.Sold) + l.PaidUnits);
        // 5. At most one successful charge kept per claim (a late one refunded), and one for every paid claim.
        if (!simulatedGateway) return l;
        Assert.All(l.Charges, c => Assert.Equal(1, l.Charges.Count(x => x.Key == c.Key)));
        Assert.All(l.Claims, claim => Assert.True(l.KeptCharges(claim.ClaimId) <= 1, $"claim {claim.ClaimId} kept more than one charge"));
        Assert.All(l.Claims.Where(c => c.Status == ClaimStatus.Refunded), claim => Assert.Equal(1, l.Refunds.Count(r => r.Key == $"flashsale-refund-{claim.ClaimId}")));
        Assert.Equal(l.Claims.Count(c => c.Status == ClaimStatus.Paid), l.Claims.Sum(c => l.KeptCharges(c.ClaimId)));
        return l;
    }
}

/// <param name="Holds">A hold sale: its buyers pay through checkout, one claim each.</param>
/// <param name="MaxPaymentAttempts">The sale's: in an immediate sale, how many claims one buyer may make.</param>
/// <param name="RedisTokens">The users hash: each buyer's dedupe token.</param>
public sealed record SaleLedger(
    int Total, int Sold, int RedisRemaining, int RedisAdmitted, int RedisUsers,
    IReadOnlyList<(string ClaimId, string UserId, int Quantity, string Status, DateTime AdmittedAt)> Claims,
    IReadOnlyList<(string Key, string Outcome, int Attempts)> Charges,
    IReadOnlyList<(string Key, string PaymentId, int Attempts)> Refunds,
    bool Holds, int MaxPaymentAttempts, IReadOnlyDictionary<string, DedupeToken> RedisTokens)
{
    /// <summary>How many claims one buyer may make in the sale: a hold's retries happen inside its one claim.</summary>
    public int ClaimsPerUser => Holds ? 1 : MaxPaymentAttempts;

    public int PaidUnits => Claims.Where(c => c.Status == ClaimStatus.Paid).Sum(c => c.Quantity);

    /// <summary>A claim's successful charges less its refund.</summary>
    public int KeptCharges(string claimId) =>
        Charges.Count(c => c.Outcome == "succeeded" && c.Key.StartsWith(ChargeRequest.IdempotencyKeyFor(claimId), StringComparison.Ordinal))
        - Refunds.Count(r => r.Key == $"flashsale-refund-{claimId}");
}
