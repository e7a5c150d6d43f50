using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FlashSale.Service.Ops;

internal static class OpsRegistration
{
    public static IServiceCollection AddFlashSaleOps(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis", tags: [OpsEndpoints.ReadyTag])
            .AddCheck<PostgresHealthCheck>("postgres", tags: [OpsEndpoints.ReadyTag])
            .AddCheck<QueueHealthCheck>("queue", tags: [OpsEndpoints.ReadyTag]);

        // flashsale_ready follows /readyz: the same checks, run by the publisher every few seconds. Each check answers
        // Unhealthy after 2 s of silence, so a hung dependency reads 0 within a period; the run's own timeout ends it
        // before the next one is due.
        services.AddSingleton<IHealthCheckPublisher, ReadinessGauge>();
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = ReadinessGauge.Period;
            o.Timeout = ReadinessGauge.Period - TimeSpan.FromSeconds(1);
            o.Predicate = OpsEndpoints.IsReadinessCheck;
        });
        return services;
    }
}
