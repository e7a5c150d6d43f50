using System.Collections.Concurrent;
using FlashSale.Service.Ops;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// The one Redis round trip that decides a claim. Claims of one sale that arrive while this edge's previous admit
/// call for that sale is in flight go together in the next call (<see cref="AdmitLane"/>): one script admits them in
/// arrival order and answers each, so Redis pays its per-call cost once per batch, not once per buyer.
/// Never wrapped in a retry policy: a retried decrement whose first attempt did run would take stock twice (the
/// user's dedupe token makes a client's own retry safe instead). A timeout or a broken connection after the script
/// was sent is not "nothing happened": Redis may have run it, so the outcome of every claim of that call is
/// "unknown", and the buyer is told to retry, which returns the claim if there is one.
/// </summary>
public sealed class AdmitScript
{
    /// <summary>The default bound on claims per call (FlashSale:Redis:AdmitBatch).</summary>
    public const int DefaultBatch = 128;

    // lua/admit.lua's arguments of one claim: userId, quantity, paymentMethodId, claim key, admission.
    private const int ArgsPerClaim = 5;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisScripts _scripts;
    private readonly IPoolVerifier _verifier;
    private readonly PoolTransfers? _transfers;
    private readonly int _maxBatch;

    // The layout of each preloaded sale (its pools' keys, built once: they were a third of a claim's garbage, and one
    // lane per pool). Only sales with a pool are kept, so made-up sale ids cannot grow this. SE.Redis only reads the
    // key arrays, so sharing them is safe.
    private readonly ConcurrentDictionary<string, SaleLayout> _sales = new(StringComparer.Ordinal);

    /// <param name="maxBatch">Claims per call at most; 1 sends every claim in its own call.</param>
    /// <param name="transfers">Moves units into a sale's pool that ran dry (sales of several pools); without it such a
    /// pool answers sold_out.</param>
    public AdmitScript(IConnectionMultiplexer redis, RedisScripts scripts, IPoolVerifier verifier, int maxBatch = DefaultBatch, PoolTransfers? transfers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _redis = redis;
        _scripts = scripts;
        _verifier = verifier;
        _transfers = transfers;
        _maxBatch = maxBatch;
    }

    /// <summary>Admit calls this instance sent to Redis (each a batch of one or more claims).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    private long _calls;

    /// <remarks>The sale window is judged by Redis's clock inside the script, never by this process's.</remarks>
    /// <param name="paymentMethodId">Null when the buyer gave none (a hold sale takes it at checkout).</param>
    /// <param name="admission">A waiting-room token as the edge checked it (WaitingRoom/AdmissionTokens.cs Check); empty: none.</param>
    public async Task<AdmitResult> RunAsync(string saleId, string userId, int quantity, string? paymentMethodId, string claimId, string admission = "")
    {
        if (!_sales.TryGetValue(saleId, out var sale))
        {
            // A sale this edge has not admitted for yet: its first pool says whether it is loaded, and over how many pools.
            var layout = await ReadLayoutAsync(saleId);
            if (layout is null) return new AdmitResult("not_preloaded", "", -1);
            sale = _sales.GetOrAdd(saleId, layout);
        }
        if (!sale.Pools.Sharded) return await AdmitInAsync(sale, 0, userId, quantity, paymentMethodId ?? "", claimId, admission);

        // A sale of several pools: the buyer is admitted in their home pool only, so one script decides their one claim.
        var home = sale.Pools.HomeOf(userId);
        var id = sale.Pools.ClaimIdIn(claimId, home);
        for (var waits = 0; ; )
        {
            var result = await AdmitInAsync(sale, home, userId, quantity, paymentMethodId ?? "", id, admission);
            if (result.Remaining >= 0) Volatile.Write(ref sale.Remaining[home], result.Remaining);
            // The answer carries the sale's units left as this edge last saw each pool, not the home pool's alone.
            var answer = result with { Pool = sale.Pools[home].Tag, Remaining = sale.RemainingSeen() };
            if (result.Outcome != "sold_out" || _transfers is null) return answer;
            // Dry at home: units move in from the pool with the most left, then the buyer tries at home again. Every
            // move that brings units is progress for the whole sale (someone is admitted with them), so this ends.
            var refill = await _transfers.RefillAsync(sale.Pools, home, quantity);
            if (refill.Unchecked is { } donor) _verifier.Request(donor);
            // Units exist but could not move now: the buyer retries (503), as when Redis does not answer.
            if (refill.Moved < 0) return new AdmitResult(refill.Unchecked is null ? "unknown" : "unverified", "", -1, Pool: answer.Pool);
            if (refill.Moved > 0) continue;
            // No units moved, but a move is under way (another edge's, or one cut short that the reconciler finishes)
            // or the donors were emptied under this move: look again shortly rather than call the sale sold out.
            if (refill.WorthWaiting && waits++ < TransitWaits)
            {
                await Task.Delay(TransitWait);
                continue;
            }
            return answer;
        }
    }

    // How long a buyer whose home pool is dry waits for units in a move to land: a live move takes a few round trips;
    // one cut short by a crash is the reconciler's, and its buyers are told sold out meanwhile.
    private static readonly TimeSpan TransitWait = TimeSpan.FromMilliseconds(20);
    private const int TransitWaits = 50;

    private async Task<SaleLayout?> ReadLayoutAsync(string saleId)
    {
        var first = new SaleKeys(saleId);
        var meta = await _redis.GetDatabase().HashGetAsync(first.Meta, ["startsAt", "pools"]);
        if (meta[0].IsNull) return null;
        return new SaleLayout(new SalePools(saleId, (int?)meta[1] ?? 1), _maxBatch);
    }

    private Task<AdmitResult> AdmitInAsync(SaleLayout sale, int pool, string userId, int quantity, string paymentMethodId, string claimId, string admission)
    {
        if (_maxBatch == 1) return RunAloneAsync(sale.Keys[pool], userId, quantity, paymentMethodId, claimId, admission);
        var claim = new PendingAdmit(userId, quantity, paymentMethodId, claimId, admission);
        var lane = sale.Lanes[pool];
        if (lane.Enter(claim)) _ = DrainAsync(lane, sale.Keys[pool], claim);
        return claim.Task;
    }

    private async Task<AdmitResult> RunAloneAsync(RedisKey[] keys, string userId, int quantity, string paymentMethodId, string claimId, string admission)
    {
        RedisValue[] args = [userId, quantity, paymentMethodId, RedisClaimId.ToRedis(claimId), admission];
        FlashSaleMetrics.AdmitBatchSize.Observe(1);
        var (results, failure) = await CallAsync(keys, args);
        return results is null ? failure : Read(results[0], claimId);
    }

    /// <summary>A sale's pools as one edge admits into them: their keys, one lane each, and what each had left last.</summary>
    private sealed class SaleLayout
    {
        public SaleLayout(SalePools pools, int maxBatch)
        {
            Pools = pools;
            Keys = pools.All.Select(KeysOf).ToArray();
            Lanes = Keys.Select(_ => new AdmitLane(maxBatch)).ToArray();
            Remaining = Enumerable.Repeat(-1L, pools.Count).ToArray();
        }

        public SalePools Pools { get; }
        public RedisKey[][] Keys { get; }
        public AdmitLane[] Lanes { get; }
        public long[] Remaining { get; }

        /// <summary>The sum over pools of what each had left when this edge last admitted in it; -1 until each was seen.</summary>
        public long RemainingSeen()
        {
            long sum = 0;
            foreach (var left in Remaining)
            {
                if (left < 0) return -1;
                sum += left;
            }
            return sum;
        }
    }

    // Sends the first claim alone, then whatever arrived meanwhile, until the lane is idle. Every claim it takes is
    // answered, whatever happens, so no buyer waits on a lane that stopped.
    private async Task DrainAsync(AdmitLane lane, RedisKey[] keys, PendingAdmit first)
    {
        List<PendingAdmit>? batch = [first];
        while (batch is not null)
        {
            await SendAsync(keys, batch);
            batch = lane.Next();
        }
    }

    private async Task SendAsync(RedisKey[] keys, List<PendingAdmit> batch)
    {
        try
        {
            var args = new RedisValue[batch.Count * ArgsPerClaim];
            for (var i = 0; i < batch.Count; i++)
            {
                var claim = batch[i];
                var at = i * ArgsPerClaim;
                args[at] = claim.UserId;
                args[at + 1] = claim.Quantity;
                args[at + 2] = claim.PaymentMethodId;
                args[at + 3] = RedisClaimId.ToRedis(claim.ClaimId);
                args[at + 4] = claim.Admission;
            }
            FlashSaleMetrics.AdmitBatchSize.Observe(batch.Count);
            var (results, failure) = await CallAsync(keys, args);
            for (var i = 0; i < batch.Count; i++)
                batch[i].TrySetResult(results is null ? failure : Read(results[i], batch[i].ClaimId));
        }
        catch (Exception e)
        {
            // What a lone claim would have thrown (a connection that was never sent on, an answer of the wrong shape):
            // each claim of the batch gets it, and the endpoint answers each as it answers one.
            foreach (var claim in batch) claim.TrySetException(e);
        }
    }

    /// <returns>The script's per-claim answers, or null and the outcome every claim of the call gets.</returns>
    private async Task<(RedisResult[]? Results, AdmitResult Failure)> CallAsync(RedisKey[] keys, RedisValue[] args)
    {
        Interlocked.Increment(ref _calls);
        try
        {
            var result = await _scripts.Admit.EvaluateCachedAsync(_redis.GetDatabase(), keys, args);
            return ((RedisResult[])result!, default);
        }
        catch (RedisServerException e) when (RedisScript.IsNoScript(e))
        {
            // A primary whose pools nobody checked yet (promoted, restarted, flushed): nothing ran; check it first.
            _verifier.Request(keys[0]);
            return (null, new AdmitResult("unverified", "", -1));
        }
        catch (Exception e) when (MayHaveRun(e))
        {
            return (null, new AdmitResult("unknown", "", -1));
        }
    }

    private static AdmitResult Read(RedisResult answer, string claimId)
    {
        var parts = (RedisResult[])answer!;
        var outcome = (string)parts[0]!;
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

    private static RedisKey[] KeysOf(SaleKeys keys) => [keys.Meta, keys.Remaining, keys.Users, keys.Claims, keys.Queue, keys.Tickets, keys.Room];
}

/// <param name="Outcome">admitted, replay, not_preloaded, payment_method_required, sale_paused, sale_ended, sale_not_started,
/// invalid_quantity, sold_out, admission_required, admission_invalid, admission_unknown, admission_used, admission_expired
/// (a waiting-room sale's token: none, or why it is refused),
/// unverified (the sale's primary is being checked against PostgreSQL after a failover or restart), or unknown (Redis did
/// not answer after the script was sent: it may have admitted the claim)</param>
/// <param name="ClaimId">The new claim, or the user's existing one on a replay; empty otherwise.</param>
/// <param name="Remaining">Units left after the decision (-1 when the sale has no pool).</param>
/// <param name="HoldExpiresAtMs">For a claim admitted into a hold sale, when its hold expires (epoch ms); else 0.</param>
/// <param name="Pool">The tag of the pool that decided (Pool/SalePools.cs), for a sale of several pools; null: the sale's own.</param>
public readonly record struct AdmitResult(string Outcome, string ClaimId, long Remaining, long HoldExpiresAtMs = 0, string? Pool = null);
