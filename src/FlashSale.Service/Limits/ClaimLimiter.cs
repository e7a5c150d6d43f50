using System.Buffers.Binary;
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
    private readonly TokenBuckets _perUser;
    private readonly TokenBuckets _perClient;
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
        if (_perClient.TryTake(KeyOf(context.Connection.RemoteIpAddress ?? IPAddress.None))) return null;
        Exit();
        return RateLimited("This client sends claims too fast.");
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Null when the user may claim now; else a 429.</summary>
    public IResult? ForUser(string saleId, string userId)
    {
        return _perUser.TryTake(KeyOf(saleId, userId)) ? null : RateLimited("This user sends claims too fast.");
    }

    /// <summary>
    /// A user's bucket key: two independent 32-bit hashes of the pair (the runtime's, seeded per process, so a
    /// client cannot pick user ids that collide). Users who collide anyway share a bucket, and their limit.
    /// </summary>
    public static ulong KeyOf(string saleId, string userId) =>
        (ulong)(uint)HashCode.Combine(saleId, userId) << 32
        | (uint)HashCode.Combine(string.GetHashCode(userId, StringComparison.OrdinalIgnoreCase), saleId.Length, userId.Length);

    /// <summary>An IPv4 client's bucket key is its address; an IPv6 client's the address's two halves mixed.</summary>
    public static ulong KeyOf(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written)) return 0;
        if (written == 4) return BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        return (high * 0x9E3779B97F4A7C15UL) ^ low ^ (1UL << 63);
    }

    private static RetryAfterResult RateLimited(string detail) =>
        new(Problems.Of(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Rate limited", detail), 1);

    public void Dispose()
    {
        _perUser.Dispose();
        _perClient.Dispose();
    }
}
