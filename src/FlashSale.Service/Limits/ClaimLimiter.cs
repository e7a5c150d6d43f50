using System.Net;
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
    private readonly TokenBuckets<(string SaleId, string UserId)> _perUser;
    private readonly TokenBuckets<IPAddress> _perClient;
    private int _inFlight;

    public ClaimLimiter(IOptions<LimitOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        _perUser = new(_options.PerUserBurst, _options.PerUserPerSecond, clock);
        _perClient = new(_options.PerClientBurst, _options.PerClientPerSecond, clock);
    }

    /// <summary>Counts a request in; null when it may go on (then call <see cref="Exit"/>), else the refusal.</summary>
    public IResult? Enter(HttpContext context)
    {
        if (Interlocked.Increment(ref _inFlight) > _options.MaxConcurrentClaims)
        {
            Interlocked.Decrement(ref _inFlight);
            return new RetryAfterResult(Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemCodes.Overloaded, "Overloaded",
                "Too many claims are in progress; retry shortly."), 1);
        }
        if (_perClient.TryTake(context.Connection.RemoteIpAddress ?? IPAddress.None)) return null;
        Exit();
        return RateLimited("This client sends claims too fast.");
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Null when the user may claim now; else a 429.</summary>
    public IResult? ForUser(string saleId, string userId)
    {
        return _perUser.TryTake((saleId, userId)) ? null : RateLimited("This user sends claims too fast.");
    }

    private static RetryAfterResult RateLimited(string detail) =>
        new(Problems.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Rate limited", detail), 1);

    public void Dispose()
    {
        _perUser.Dispose();
        _perClient.Dispose();
    }
}
