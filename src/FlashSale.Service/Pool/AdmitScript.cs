using System.Collections.Concurrent;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// The one Redis round trip that decides a claim. Never wrapped in a retry policy: a retried
/// decrement whose first attempt did run would take stock twice (the user's dedupe token makes a
/// client's own retry safe instead). A timeout or a broken connection after the script was sent is not
/// "nothing happened": Redis may have run it, so its outcome is "unknown", and the buyer is told to retry,
/// which returns the claim if there is one.
/// </summary>
public sealed class AdmitScript(IConnectionMultiplexer redis, RedisScripts scripts, IPoolVerifier verifier)
{
    // The seven keys of each preloaded sale, built once: they were a third of a claim's garbage. Only sales with
    // a pool are kept, so made-up sale ids cannot grow this. SE.Redis only reads the array, so sharing is safe.
    private readonly ConcurrentDictionary<string, RedisKey[]> _keys = new(StringComparer.Ordinal);

    /// <remarks>The sale window is judged by Redis's clock inside the script, never by this process's.</remarks>
    /// <param name="paymentMethodId">Null when the buyer gave none (a hold sale takes it at checkout).</param>
    /// <param name="admission">A waiting-room token as the edge checked it (WaitingRoom/AdmissionTokens.cs Check); empty: none.</param>
    public async Task<AdmitResult> RunAsync(string saleId, string userId, int quantity, string? paymentMethodId, string claimId, string admission = "")
    {
        var keys = _keys.TryGetValue(saleId, out var known) ? known : KeysOf(saleId);
        RedisValue[] args = [userId, quantity, paymentMethodId ?? "", claimId, RedisClaimId.ToRedis(claimId), admission];
        RedisResult result;
        try
        {
            result = await scripts.Admit.EvaluateCachedAsync(redis.GetDatabase(), keys, args);
        }
        catch (RedisServerException e) when (RedisScript.IsNoScript(e))
        {
            // A primary whose pools nobody checked yet (promoted, restarted, flushed): nothing ran; check it first.
            verifier.Request(keys[0]);
            return new AdmitResult("unverified", "", -1);
        }
        catch (Exception e) when (MayHaveRun(e))
        {
            return new AdmitResult("unknown", "", -1);
        }
        var parts = (RedisResult[])result!;
        var outcome = (string)parts[0]!;
        if (known is null && outcome != "not_preloaded") _keys.TryAdd(saleId, keys);
        // An admitted claim is stored under the id we sent; only a replay names another one.
        var stored = (RedisValue)parts[1];
        var id = outcome == "admitted" ? claimId : stored.IsNullOrEmpty ? "" : RedisClaimId.FromRedis(stored);
        return new AdmitResult(outcome, id, (long)parts[2], parts.Length > 3 ? (long)parts[3] : 0);
    }

    // Only a command still waiting to be written certainly did not run; one sent (or of unknown state) may have.
    private static bool MayHaveRun(Exception e) => e switch
    {
        RedisTimeoutException t => t.Commandstatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog),
        RedisConnectionException c => c.CommandStatus is CommandStatus.Sent,
        _ => false,
    };

    private static RedisKey[] KeysOf(string saleId)
    {
        var keys = new SaleKeys(saleId);
        return [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue, keys.Tickets, keys.Room];
    }
}

/// <param name="Outcome">admitted, replay, not_preloaded, payment_method_required, sale_paused, sale_ended, sale_not_started,
/// invalid_quantity, sold_out, admission_required, admission_invalid, admission_unknown, admission_used, admission_expired
/// (a waiting-room sale's token: none, or why it is refused),
/// unverified (the sale's primary is being checked against PostgreSQL after a failover or restart), or unknown (Redis did
/// not answer after the script was sent: it may have admitted the claim)</param>
/// <param name="ClaimId">The new claim, or the user's existing one on a replay; empty otherwise.</param>
/// <param name="Remaining">Units left after the decision (-1 when the sale has no pool).</param>
/// <param name="HoldExpiresAtMs">For a claim admitted into a hold sale, when its hold expires (epoch ms); else 0.</param>
public readonly record struct AdmitResult(string Outcome, string ClaimId, long Remaining, long HoldExpiresAtMs = 0);
