using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Faults;

/// <summary>The service as separate OS processes (one role each) on the fault tests' own stores, with test-sized timings.</summary>
public static class FaultProcesses
{
    public static Task<ServiceProcess> StartAsync(string role, FaultStores stores, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["FlashSale:AdminKey"] = ServiceFixture.AdminKey,
            ["FlashSale:StorefrontKey"] = ServiceFixture.StorefrontKey,
            ["FlashSale:Redis:Configuration"] = stores.RedisConfiguration,
            ["FlashSale:Postgres:ConnectionString"] = stores.PostgresConnectionString,
            ["FlashSale:Queue:ReclaimAfter"] = "00:00:02",
            ["FlashSale:Queue:IdlePoll"] = "00:00:00.010",
            ["FlashSale:Reconciler:Interval"] = "00:00:00.500",
            ["FlashSale:Reconciler:RequeueGrace"] = "00:00:02",
            ["FlashSale:Reconciler:ReservationTtl"] = "00:01:00",
            ["FlashSale:Payments:Simulated:Latency"] = "00:00:00.020",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return ServiceProcess.StartAsync(role, all);
    }
}
