namespace FlashSale.Client;

/// <summary>
/// When a request is sent again: only requests the contract makes safe to repeat (a read, the same user's claim, the
/// same user joining the queue, giving a hold up), and only when the answer may not have been the service's last word:
/// the connection failed or timed out, or a <c>429</c> / <c>503</c> asked to come back (its <c>Retry-After</c> is
/// honoured). A checkout is never repeated by the client: a second charge attempt is the buyer's decision.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>Attempts in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 4;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Exponential, with jitter so a crowd that failed together does not come back together.</summary>
    public TimeSpan DelayBefore(int attempt, TimeSpan? retryAfter)
    {
        var exponential = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 2));
        var jittered = TimeSpan.FromMilliseconds(exponential / 2 + Random.Shared.NextDouble() * exponential / 2);
        return retryAfter is { } wait && wait > jittered ? wait : jittered;
    }
}

/// <summary>How <see cref="StorefrontClient.WaitUntilTerminalAsync"/> polls: often at first, then less, up to a limit.</summary>
public sealed class PollPolicy
{
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1);
    public double Growth { get; init; } = 1.5;
    /// <summary>Give up after this long (a <see cref="TimeoutException"/>): the claim itself is not touched.</summary>
    public TimeSpan Within { get; init; } = TimeSpan.FromSeconds(60);
}
