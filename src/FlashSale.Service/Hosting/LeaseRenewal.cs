namespace FlashSale.Service.Hosting;

/// <summary>
/// Keeps the leases of work in progress alive: every <c>every</c>, renews what <c>held</c> names, until stopped. A
/// failed renewal is logged and tried again at the next tick: a lease lapses only when renewals keep failing for its
/// whole length (the caller renews three times per lease), as they do when the process dies.
/// </summary>
public static class LeaseRenewal
{
    public static async Task RunAsync<T>(
        TimeSpan every, TimeProvider clock, Func<T[]> held, Func<T[], CancellationToken, Task> renew, ILogger logger, string what,
        CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var items = held();
                if (items.Length == 0) continue;
                try
                {
                    await renew(items, stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Renewing the leases of {Count} {What} failed: {Reason}", items.Length, what, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
