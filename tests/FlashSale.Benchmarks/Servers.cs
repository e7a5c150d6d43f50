namespace FlashSale.Benchmarks;

/// <summary>The local Redis and PostgreSQL that <c>scripts/services-up.sh</c> starts (see scripts/services-env.sh).</summary>
internal static class Servers
{
    public static string Redis => Environment.GetEnvironmentVariable("FLASHSALE_TEST_REDIS") ?? "127.0.0.1:6390";

    public static string Postgres => Environment.GetEnvironmentVariable("FLASHSALE_TEST_PG")
        ?? "Host=127.0.0.1;Port=5440;Username=flashsale;Password=flashsale;Database=flashsale_test";
}
