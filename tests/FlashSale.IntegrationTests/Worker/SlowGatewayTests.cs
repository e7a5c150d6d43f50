using System.Diagnostics;
using System.Net;
using Dapper;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Ops;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Worker;

/// <summary>
/// A gateway slower than <c>FlashSale:Queue:ReclaimAfter</c> (20 s a charge against its default of 15 s, every other
/// setting at its default): a claim being charged is leased to its worker, so no live worker's claim is taken over
/// and charged a second time (Stripe would answer such a concurrent same-key request 409). One edge and two workers
/// as processes; the simulated gateway and WireMock playing Stripe side by side, each with its own schema.
/// </summary>
public abstract class SlowGatewayTests(string redisConfiguration, ITestOutputHelper output)
{
    private const int Buyers = 300;
    private static readonly TimeSpan ChargeLatency = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_charge_slower_than_ReclaimAfter_stays_with_its_worker_and_reaches_the_gateway_once()
    {
        using var stripe = new FakeStripe { Latency = ChargeLatency };
        var runs = await Task.WhenAll(
            RunAsync("simulated", new Dictionary<string, string?> { ["FlashSale:Payments:Simulated:Latency"] = ChargeLatency.ToString() }, null),
            RunAsync("stripe", new Dictionary<string, string?>
            {
                ["FlashSale:Payments:Provider"] = "stripe",
                ["FlashSale:Payments:Stripe:ApiKey"] = FakeStripe.ApiKey,
                ["FlashSale:Payments:Stripe:ApiBase"] = stripe.Url,
            }, stripe));
        foreach (var run in runs)
        {
            output.WriteLine($"{run.Gateway}: {run.Claims} claims, {run.GatewayCalls} gateway calls (most for one claim {run.MostCallsForOneClaim}), " +
                             $"{run.Pending} ever payment_pending, {run.Takeovers} taken over, all paid {run.Settled.TotalSeconds:0.0} s after the last claim");
        }
        Assert.All(runs, run =>
        {
            Assert.Equal(Buyers, run.Paid);
            Assert.Equal((Buyers, 1), (run.GatewayCalls, run.MostCallsForOneClaim));
            Assert.Equal(0, run.Pending);
            Assert.Equal(0, run.Takeovers);
        });
        Assert.Equal(0, stripe.Conflicts);
    }

    private sealed record Run(string Gateway, int Claims, int Paid, int GatewayCalls, int MostCallsForOneClaim, double Pending, double Takeovers, TimeSpan Settled);

    private async Task<Run> RunAsync(string gateway, Dictionary<string, string?> payments, FakeStripe? stripe)
    {
        await using var schema = await TestSchema.CreateAsync();
        var settings = new Dictionary<string, string?>
        {
            ["FlashSale:AdminKey"] = ServiceFixture.AdminKey,
            ["FlashSale:StorefrontKey"] = ServiceFixture.StorefrontKey,
            ["FlashSale:Redis:Configuration"] = redisConfiguration,
            ["FlashSale:Redis:Namespace"] = schema.Namespace,
            ["FlashSale:Postgres:ConnectionString"] = schema.ConnectionString,
            // Only the gateway's latency and an attempt timeout above it; ReclaimAfter and the rest at their defaults.
            ["FlashSale:Payments:Resilience:AttemptTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in payments) settings[key] = value;
        var processes = new List<ServiceProcess>();
        using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        await using var db = NpgsqlDataSource.Create(schema.ConnectionString);
        try
        {
            // The first process applies the schema; the workers start side by side after it.
            processes.Add(await ServiceProcess.StartAsync("edge", settings));
            processes.AddRange(await Task.WhenAll(ServiceProcess.StartAsync("worker", settings), ServiceProcess.StartAsync("worker", settings)));
            var sale = await processes[0].Client(ServiceFixture.AdminKey).LiveSaleAsync(stock: Buyers);

            var crowd = new Crowd();
            await crowd.ClaimAsync(processes[0].Client(ServiceFixture.StorefrontKey), sale.SaleId, Crowd.Users($"slow-{gateway}", 0, Buyers));
            Assert.Equal(Buyers, crowd.Count(HttpStatusCode.Accepted));
            var clock = Stopwatch.StartNew();

            var audit = new InvariantAudit(db, redis.GetDatabase());
            await Eventually.True(async () => (await audit.ReadAsync(sale.SaleId)).PaidUnits == Buyers, TimeSpan.FromSeconds(120),
                () => string.Join(", ", processes.Select(p => p.Output).Where(o => o.Length > 0)), $"every claim of the {gateway} sale is paid");
            var settled = clock.Elapsed;
            var ledger = await audit.AssertSettledAsync(sale.SaleId, simulatedGateway: stripe is null);

            var calls = stripe is null
                ? await SimulatedCallsAsync(db)
                : stripe.CreateRequests.GroupBy(r => FakeStripe.Header(r, "Idempotency-Key")).Select(g => g.Count()).ToList();
            var workers = processes.Where(p => p.Role == "worker").ToList();
            return new Run(gateway, crowd.Answers.Count, ledger.PaidUnits, calls.Sum(), calls.Max(),
                await SumAsync(workers, "flashsale_payment_settlements_total{status=\"payment_pending\""),
                await SumAsync(workers, "flashsale_queue_takeovers_total"), settled);
        }
        finally
        {
            foreach (var process in processes) process.Dispose();
            await schema.ForgetSalesAsync(redis);
        }
    }

    private static async Task<List<int>> SimulatedCallsAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<int>("SELECT attempts FROM simulated_charges")).ToList();
    }

    private static async Task<double> SumAsync(IEnumerable<ServiceProcess> processes, string series)
    {
        var sum = 0.0;
        foreach (var process in processes)
        {
            using var http = new HttpClient { BaseAddress = process.BaseAddress };
            sum += (await MetricsScrape.ScrapeAsync(http)).Where(m => m.Key.StartsWith(series, StringComparison.Ordinal)).Sum(m => m.Value);
        }
        return sum;
    }

}

// Each topology in a collection of its own: the runs wait on the gateway, not on the machine, and share nothing.
[CollectionDefinition(Name)]
public sealed class SlowGatewayOnSingleNodeCollection
{
    public const string Name = "slow gateway, one node";
}

[CollectionDefinition(Name)]
public sealed class SlowGatewayOnClusterCollection
{
    public const string Name = "slow gateway, cluster";
}

[CollectionDefinition(Name)]
public sealed class SlowGatewayBehindSentinelsCollection
{
    public const string Name = "slow gateway, Sentinels";
}

[Collection(SlowGatewayOnSingleNodeCollection.Name)]
public sealed class SlowGatewayTestsOnSingleNode(ITestOutputHelper output) : SlowGatewayTests(TestServers.RedisSingleNode, output);

[Collection(SlowGatewayOnClusterCollection.Name)]
public sealed class SlowGatewayTestsOnCluster(ITestOutputHelper output) : SlowGatewayTests(TestServers.RedisCluster, output);

[Collection(SlowGatewayBehindSentinelsCollection.Name)]
public sealed class SlowGatewayTestsBehindSentinels(ITestOutputHelper output) : SlowGatewayTests(TestServers.RedisSentinel, output);
