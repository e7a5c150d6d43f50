using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Service.Claims;

/// <summary>
/// The one Redis round trip that decides a claim. Never wrapped in a retry policy: a retried
/// decrement whose first attempt did run would take stock twice (the user's dedupe token makes a
/// client's own retry safe instead).
/// </summary>
public sealed class AdmitScript(IConnectionMultiplexer redis, RedisScripts scripts)
{
    public async Task<AdmitResult> RunAsync(string saleId, string userId, int quantity, string paymentMethodId, string claimId, DateTimeOffset now)
    {
        var keys = new SaleKeys(saleId);
        var result = await scripts.Admit.EvaluateAsync(redis.GetDatabase(),
            [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue],
            [userId, quantity, paymentMethodId, claimId, now.ToUnixTimeMilliseconds(), RedisClaimId.ToRedis(claimId)]);
        var parts = (RedisResult[])result!;
        var stored = (RedisValue)parts[1];
        return new AdmitResult((string)parts[0]!, stored.IsNullOrEmpty ? "" : RedisClaimId.FromRedis(stored), (long)parts[2]);
    }
}

/// <param name="Outcome">admitted, replay, not_preloaded, sale_paused, sale_ended, sale_not_started, invalid_quantity, sold_out</param>
/// <param name="ClaimId">The new claim, or the user's existing one on a replay; empty otherwise.</param>
/// <param name="Remaining">Units left after the decision (-1 when the sale has no pool).</param>
public readonly record struct AdmitResult(string Outcome, string ClaimId, long Remaining);
