namespace FlashSale.Service.Ops;

internal static class OpsRegistration
{
    public static IServiceCollection AddFlashSaleOps(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis", tags: [OpsEndpoints.ReadyTag])
            .AddCheck<PostgresHealthCheck>("postgres", tags: [OpsEndpoints.ReadyTag])
            .AddCheck<QueueHealthCheck>("queue", tags: [OpsEndpoints.ReadyTag]);
        return services;
    }
}
