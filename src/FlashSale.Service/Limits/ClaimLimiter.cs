using System.Threading.RateLimiting;
using FlashSale.Service.Http;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Limits;

/// <summary>
/// The claim endpoint's three limits: in-flight requests on this process (503 overloaded), requests per client
/// address and claims per user and sale (429 rate_limited). Every refusal comes before the admit script, so it
/// changes nothing.
/// </summary>
public sealed class ClaimLimiter : IDisposable
{
    private readonly LimitOptions _options;
    private readonly PartitionedRateLimiter<string> _perUser;
    private readonly PartitionedRateLimiter<string> _perClient;
    private int _inFlight;

    public ClaimLimiter(IOptions<LimitOptions> options)
    {
        _options = options.Value;
        _perUser = Buckets(_options.PerUserBurst, _options.PerUserPerSecond);
        _perClient = Buckets(_options.PerClientBurst, _options.PerClientPerSecond);
    }

    // Idle partitions are dropped by the limiter itself, so a crowd of users does not grow memory for ever.
    private static PartitionedRateLimiter<string> Buckets(int burst, int perSecond) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Counts a request in; null when it may go on (then call <see cref="Exit"/>), else the refusal.</summary>
    public IResult? Enter(HttpContext context)
    {
        if (Interlocked.Increment(ref _inFlight) > _options.MaxConcurrentClaims)
        {
            Interlocked.Decrement(ref _inFlight);
            return new RetryAfterResult(Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.Overloaded, "Overloaded",
                "Too many claims are in progress; retry shortly."), 1);
        }
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        using var lease = _perClient.AttemptAcquire(client);
        if (lease.IsAcquired) return null;
        Exit();
        return RateLimited("This client sends claims too fast.");
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Null when the user may claim now; else a 429.</summary>
    public IResult? ForUser(string saleId, string userId)
    {
        using var lease = _perUser.AttemptAcquire($"{saleId}:{userId}");
        return lease.IsAcquired ? null : RateLimited("This user sends claims too fast.");
    }

    private static RetryAfterResult RateLimited(string detail) =>
        new(Problems.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Rate limited", detail), 1);

    public void Dispose()
    {
        _perUser.Dispose();
        _perClient.Dispose();
    }
}
