namespace FlashSale.Client;

/// <summary>
/// The service refused the request with a problem (RFC 9457). <see cref="Code"/> is the contract's stable reason
/// (<see cref="ProblemCodes"/>); a refusal changed nothing on the service, so the buyer may do something else.
/// </summary>
public sealed class FlashSaleProblemException(
    int status, string code, string? title, string? detail, IReadOnlyDictionary<string, string[]>? errors, TimeSpan? retryAfter)
    : Exception($"{status} {code}: {detail ?? title}")
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Title { get; } = title;
    public string? Detail { get; } = detail;
    /// <summary><c>invalid_request</c>: the messages of each field that is wrong.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();
    /// <summary><c>Retry-After</c> of a 429 or 503.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>One of the sale's states refuses claims: sold out, not started, ended or paused.</summary>
    public bool SaleRefuses => Code is ProblemCodes.SoldOut or ProblemCodes.SaleNotStarted or ProblemCodes.SaleEnded or ProblemCodes.SalePaused;
}
