namespace FlashSale.Client;

/// <summary>
/// When a request is sent again. After a <c>429</c> or <c>503</c> any request may be: the contract says no error
/// changes state, and its <c>Retry-After</c> is honoured. After a lost connection or a timeout, when nobody knows
/// whether the service acted, only requests the contract makes safe to repeat are: reads, the same user's claim (the
/// replay: the same claim, never a second one), the same user joining the queue, giving a hold up. A checkout whose
/// answer was lost is not sent again: the claim's status tells what became of it.
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
