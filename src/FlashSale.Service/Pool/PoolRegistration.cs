namespace FlashSale.Service.Pool;

internal static class PoolRegistration
{
    public static IServiceCollection AddFlashSalePool(this IServiceCollection services)
    {
        services.AddSingleton<RedisScripts>().AddSingleton<ActiveSales>().AddSingleton<SalePool>().AddSingleton<AdmitScript>();
        services.AddSingleton<StockReturns>();
        services.AddSingleton<PoolHealer>();
        services.AddSingleton<PoolVerifier>();
        services.AddSingleton<IPoolVerifier>(sp => sp.GetRequiredService<PoolVerifier>());
        return services;
    }
}
