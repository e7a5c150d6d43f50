using FlashSale.Service.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Pool;

internal static class PoolRegistration
{
    public static IServiceCollection AddFlashSalePool(this IServiceCollection services)
    {
        services.AddSingleton<RedisScripts>().AddSingleton<ActiveSales>().AddSingleton<SalePool>();
        services.AddSingleton<PoolTransfers>();
        services.AddSingleton(sp => new AdmitScript(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisScripts>(),
            sp.GetRequiredService<IPoolVerifier>(), sp.GetRequiredService<IOptions<RedisOptions>>().Value.AdmitBatch, sp.GetRequiredService<PoolTransfers>()));
        services.AddSingleton<StockReturns>();
        services.AddSingleton<PoolHealer>();
        services.AddSingleton<PoolVerifier>();
        services.AddSingleton<IPoolVerifier>(sp => sp.GetRequiredService<PoolVerifier>());
        return services;
    }
}
