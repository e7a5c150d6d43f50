using System.Diagnostics;

namespace FlashSale.Testing;

/// <summary>Waits for a condition with a deadline, instead of sleeping for a guessed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public static async Task True(Func<Task<bool>> condition, TimeSpan within, string because)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return;
            if (waited.Elapsed > within) throw new TimeoutException($"Not true within {within.TotalSeconds:0.#} s: {because}");
            await Task.Delay(Poll);
        }
    }

    /// <param name="state">What to add to the failure: the state the condition saw last.</param>
    public static async Task True(Func<Task<bool>> condition, TimeSpan within, Func<string> state, string because)
    {
        try
        {
            await True(condition, within, because);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} ({state()})", e);
        }
    }
}
