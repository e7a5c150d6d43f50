namespace FlashSale.Load;

// Not top-level statements: the integration tests see this assembly's internals and the service's Program.
internal static class Program
{
    private static Task<int> Main(string[] args) => Rehearsal.MainAsync(args);
}
