namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition with a deadline, instead of sleeping for a guessed time.</summary>
public static class Eventually
{
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

    public static async Task True(Func<Task<bool>> condition, TimeSpan within, string because)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not true within {within.TotalSeconds:0.#} s: {because}");
            await Task.Delay(50);
        }
    }
}
