using System.Diagnostics;
using System.Net;
using FlashSale.IntegrationTests.Faults;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Ops;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Topology;

/// <summary>
/// The service scaled out on the Redis Cluster: 2 edge processes and 2 worker processes (<c>--role</c>), 8 sales at
/// once whose pools sit on all three masters, buyers spread over both edges. Every invariant holds for every sale.
/// </summary>
[Collection(ClusterServiceCollection.Name)]
public sealed class ManyProcessesOnClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Sales = 8;
    private const int Stock = 50;
    private const int BuyersPerSale = 500;

    private TestSchema _schema = null!;
    private NpgsqlDataSource _db = null!;
    private ConnectionMultiplexer _redis = null!;
    private readonly List<ServiceProcess> _processes = [];
    private readonly List<string> _made = [];

    public async Task InitializeAsync()
    {
        // A schema of its own: no other host's preloader or worker sees these sales.
        _schema = await TestSchema.CreateAsync();
        _db = NpgsqlDataSource.Create(_schema.ConnectionString);
        _redis = await ConnectionMultiplexer.ConnectAsync(ServiceFixture.ClusterAddress);
    }

    [Fact]
    public async Task Two_edges_and_two_workers_sell_eight_sales_on_all_three_masters_exactly()
    {
        var settings = new Dictionary<string, string?>
        {
            ["FlashSale:AdminKey"] = ServiceFixture.AdminKey,
            ["FlashSale:StorefrontKey"] = ServiceFixture.StorefrontKey,
            ["FlashSale:Redis:Configuration"] = ServiceFixture.ClusterAddress,
            ["FlashSale:Redis:Namespace"] = _schema.Namespace,
            ["FlashSale:Postgres:ConnectionString"] = _schema.ConnectionString,
            ["FlashSale:Queue:ReclaimAfter"] = "00:00:02",
            ["FlashSale:Queue:IdlePoll"] = "00:00:00.010",
            ["FlashSale:Reconciler:Interval"] = "00:00:00.500",
            ["FlashSale:Reconciler:RequeueGrace"] = "00:00:02",
            ["FlashSale:Payments:Simulated:Latency"] = "00:00:00.020",
        };
        // The first process applies the schema; the others start side by side.
        _processes.Add(await ServiceProcess.StartAsync("edge", settings));
        _processes.AddRange(await Task.WhenAll(
            ServiceProcess.StartAsync("edge", settings), ServiceProcess.StartAsync("worker", settings), ServiceProcess.StartAsync("worker", settings)));
        var edges = _processes.Where(p => p.Role == "edge").Select(p => p.Client(ServiceFixture.StorefrontKey)).ToArray();
        var admin = _processes[0].Client(ServiceFixture.AdminKey);

        var sales = await SalesOnEveryMasterAsync(admin);
        var masters = sales.Select(MasterOf).Distinct().Count();
        Assert.Equal(3, masters);

        // Every buyer of every sale at once, alternating between the two edges.
        var clock = Stopwatch.StartNew();
        var crowds = sales.Select(_ => new Crowd()).ToArray();
        await Task.WhenAll(sales.SelectMany((sale, s) => edges.Select((edge, e) =>
            crowds[s].ClaimAsync(edge, sale, Crowd.Users($"topo-{s}", e * BuyersPerSale / 2, BuyersPerSale / 2 + e), parallelism: 8))));
        var claimed = clock.Elapsed;

        var audit = new InvariantAudit(_db, _redis.GetDatabase());
        foreach (var (sale, crowd) in sales.Zip(crowds))
        {
            Assert.Equal(Stock, crowd.Count(HttpStatusCode.Accepted));
            Assert.Equal(0, crowd.Broken);
            await Eventually.True(async () => (await audit.ReadAsync(sale)).PaidUnits == Stock, TimeSpan.FromSeconds(60), $"every unit of {sale} is paid");
            var ledger = await audit.AssertSettledAsync(sale);
            Assert.All(crowd.AdmittedClaimIds, id => Assert.Contains(ledger.Claims, c => c.ClaimId == id && c.Status == "paid"));
            Assert.Equal(0, ledger.RedisRemaining);
        }
        var confirmedBy = new List<double>();
        foreach (var worker in _processes.Where(p => p.Role == "worker"))
        {
            using var http = new HttpClient { BaseAddress = worker.BaseAddress };
            confirmedBy.Add((await MetricsScrape.ScrapeAsync(http)).Where(m => m.Key.StartsWith("flashsale_worker_confirmations_total", StringComparison.Ordinal)).Sum(m => m.Value));
        }
        output.WriteLine($"{Sales} sales on {masters} masters, 2 edges + 2 workers: {crowds.Sum(c => c.Answers.Count)} claims in " +
                         $"{claimed.TotalSeconds:0.0} s, {crowds.Sum(c => c.Count(HttpStatusCode.Accepted))} admitted, all paid {clock.Elapsed.TotalSeconds:0.0} s " +
                         $"after the first; claims confirmed per worker: {string.Join(", ", confirmedBy)}");
    }

    // Sale ids are random, so are their slots: make sales until the chosen eight cover every master.
    private async Task<string[]> SalesOnEveryMasterAsync(FlashSaleClient admin)
    {
        var chosen = new List<string>();
        while (chosen.Count < Sales && _made.Count < 40)
        {
            var sale = (await admin.LiveSaleAsync(Stock)).SaleId;
            _made.Add(sale);
            var onNewMaster = !chosen.Select(MasterOf).Contains(MasterOf(sale));
            var mastersLeft = 3 - chosen.Select(MasterOf).Distinct().Count();
            if (onNewMaster || Sales - chosen.Count > mastersLeft) chosen.Add(sale);
        }
        return [.. chosen];
    }

    private string MasterOf(string saleId) => _redis.GetServer(new SaleKeys(saleId).Meta).EndPoint.ToString()!;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) process.Dispose();
        await _schema.ForgetSalesAsync(_redis);
        await _db.DisposeAsync();
        await _redis.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
