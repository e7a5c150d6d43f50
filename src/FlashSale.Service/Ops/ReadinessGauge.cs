using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FlashSale.Service.Ops;

/// <summary>
/// <c>flashsale_ready</c>: the verdict of /readyz as a series, so an alert sees a process its load balancer has
/// taken out of rotation without anyone probing it. The health check publisher runs the checks /readyz runs
/// (<see cref="OpsEndpoints.IsReadinessCheck"/>) every few seconds and hands the report here.
/// </summary>
internal sealed class ReadinessGauge : IHealthCheckPublisher
{
    /// <summary>Short, so the gauge lags /readyz by seconds; each check gives up after 2 s of its own.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        // Healthy only, as /readyz: a degraded check answers 503 there, so it reads 0 here.
        FlashSaleMetrics.Ready.Set(report.Status == HealthStatus.Healthy ? 1 : 0);
        return Task.CompletedTask;
    }
}
