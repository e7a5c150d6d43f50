using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Confluent.Kafka;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>
/// Acceptance 3 of the Kafka transport: the service as separate OS processes on the mock cluster this class
/// holds, killed with SIGKILL at the two dangerous moments, then started again. Nothing may be lost, no one
/// charged twice. The processes use a Redis database of their own and a topic per test.
/// </summary>
public sealed class KafkaKillTests(KafkaKillTests.Rig rig, ITestOutputHelper output) : IClassFixture<KafkaKillTests.Rig>
{
    private const string RedisGroup = "flashsale-workers";

    [Fact]
    public async Task Killing_the_edge_while_admitted_claims_wait_for_Kafka_loses_none_of_them()
    {
        const int stock = 80;
        var settings = rig.Settings();
        using var worker = await ServiceProcess.StartAsync("worker", settings);
        // A long linger holds claims between the Redis stream and the broker's delivery report for a second.
        using var edge = await ServiceProcess.StartAsync("edge", rig.Settings(settings, ("FlashSale:Kafka:LingerMs", "1000")));
        var sale = await edge.Client(ServiceFixture.AdminKey).LiveSaleAsync(stock);
        var queue = new SaleKeys(sale.SaleId).Queue;

        var answered = new ConcurrentBag<string>();
        using var stopClaims = new CancellationTokenSource();
        var claiming = ClaimUntilStoppedAsync(edge.Client(ServiceFixture.StorefrontKey), sale.SaleId, "kill-edge", answered, stopClaims.Token);
        await Eventually.True(async () => answered.Count >= 30 && (await rig.Redis.StreamPendingAsync(queue, RedisGroup)).PendingMessageCount > 0,
            TimeSpan.FromSeconds(30), "claims admitted and read by the relay, not yet acknowledged");
        edge.Kill();
        stopClaims.Cancel();
        await claiming;

        var admittedAtKill = (long)await rig.Redis.HashGetAsync(new SaleKeys(sale.SaleId).Meta, "admitted");
        var heldByDeadRelay = (await rig.Redis.StreamPendingAsync(queue, RedisGroup)).PendingMessageCount;
        var onKafkaAtKill = rig.MessagesOnTopic(settings);
        output.WriteLine($"at the kill: {admittedAtKill} admitted in Redis, {onKafkaAtKill} on Kafka, {heldByDeadRelay} read by the dead relay and unacknowledged");
        Assert.True(onKafkaAtKill < admittedAtKill, "the kill landed between the admit and the Kafka delivery of some claims");
        Assert.True(heldByDeadRelay > 0);

        using var restarted = await ServiceProcess.StartAsync("edge", settings);
        var admin = restarted.Client(ServiceFixture.AdminKey);
        await ClaimUntilSoldOutAsync(restarted.Client(ServiceFixture.StorefrontKey), sale.SaleId, "after-kill", answered);
        await Eventually.True(async () => (await admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == stock,
            TimeSpan.FromSeconds(90), "every admitted claim is paid, those the dead relay held included");

        var ledger = await rig.Audit.AssertSettledAsync(sale.SaleId);
        Assert.Equal(stock, ledger.Claims.Count);
        Assert.Subset(ledger.Claims.Select(c => c.ClaimId).ToHashSet(), answered.ToHashSet());
    }

    [Fact]
    public async Task Killing_the_worker_after_PostgreSQL_committed_but_before_the_offsets_did_charges_no_one_twice()
    {
        const int stock = 60;
        var settings = rig.Settings();
        using var edge = await ServiceProcess.StartAsync("edge", settings);
        // Offsets would be committed only after a minute: every PostgreSQL commit before the kill is ahead of them.
        using var worker = await ServiceProcess.StartAsync("worker", rig.Settings(settings,
            ("FlashSale:Kafka:CommitInterval", "00:01:00"), ("FlashSale:Payments:Simulated:Latency", "00:00:00.050"),
            ("FlashSale:Payments:MaxConcurrentCharges", "4")));
        var admin = edge.Client(ServiceFixture.AdminKey);
        var sale = await admin.LiveSaleAsync(stock);
        var answered = new ConcurrentBag<string>();
        await ClaimUntilSoldOutAsync(edge.Client(ServiceFixture.StorefrontKey), sale.SaleId, "kill-worker", answered);
        Assert.Equal(stock, answered.Count);

        await Eventually.True(async () => (await admin.GetSaleAsync(sale.SaleId)).Counts!.Paid >= 20,
            TimeSpan.FromSeconds(60), "the worker has paid some claims");
        worker.Kill();
        var paidAtKill = await PaidChargeKeysAsync(sale.SaleId);
        var committedAtKill = rig.CommittedOffsets(settings);
        output.WriteLine($"at the kill: {paidAtKill.Count} claims paid in PostgreSQL, {committedAtKill} offsets committed");
        Assert.Equal(0, committedAtKill);
        Assert.NotEmpty(paidAtKill);

        using var restarted = await ServiceProcess.StartAsync("worker", settings);
        await Eventually.True(async () => (await admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == stock,
            TimeSpan.FromSeconds(90), "the new worker finished the sale from the uncommitted offsets");
        await Eventually.True(() => Task.FromResult(rig.CommittedOffsets(settings) >= stock),
            TimeSpan.FromSeconds(30), "the new worker committed the offsets of everything it redelivered");

        var ledger = await rig.Audit.AssertSettledAsync(sale.SaleId);
        Assert.Equal(stock, ledger.Charges.Count(c => c.Outcome == "succeeded"));
        // The claims paid before the kill were delivered again and not charged again: one gateway call each.
        Assert.All(ledger.Charges.Where(c => paidAtKill.Contains(c.Key)), c => Assert.Equal(1, c.Attempts));
    }

    private async Task<HashSet<string>> PaidChargeKeysAsync(string saleId)
    {
        await using var conn = await rig.Db.OpenConnectionAsync();
        var ids = await conn.QueryAsync<string>("SELECT claim_id FROM claims WHERE sale_id = @saleId AND status = 'paid'", new { saleId });
        return ids.Select(ChargeRequest.IdempotencyKeyFor).ToHashSet();
    }

    /// <summary>Eight buyers at a time until the sale is sold out.</summary>
    private static async Task ClaimUntilSoldOutAsync(FlashSaleClient storefront, string saleId, string prefix, ConcurrentBag<string> answered)
    {
        for (var wave = 0; ; wave++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => storefront.ClaimAsync(saleId, $"{prefix}-{wave}-{i}")));
            foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
                answered.Add((await r.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId);
            if (responses.Any(r => r.StatusCode == HttpStatusCode.Conflict)) return;
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        }
    }

    /// <summary>Eight buyers at a time until stopped or the process stops answering.</summary>
    private static Task ClaimUntilStoppedAsync(FlashSaleClient storefront, string saleId, string prefix, ConcurrentBag<string> answered, CancellationToken stop) =>
        Task.Run(async () =>
        {
            for (var wave = 0; !stop.IsCancellationRequested; wave++)
            {
                try
                {
                    var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => storefront.ClaimAsync(saleId, $"{prefix}-{wave}-{i}")));
                    foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.Accepted))
                        answered.Add((await r.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId);
                    if (responses.Any(r => r.StatusCode == HttpStatusCode.Conflict)) return;
                }
                catch (HttpRequestException)
                {
                    return; // killed: these buyers never heard back, as in a real crash
                }
            }
        });

    /// <summary>The mock cluster, and direct connections to the Redis database and PostgreSQL the processes use.</summary>
    public sealed class Rig : IAsyncLifetime
    {
        public MockKafkaCluster Cluster { get; } = new();
        public ConnectionMultiplexer Multiplexer { get; private set; } = null!;
        public IDatabase Redis => Multiplexer.GetDatabase();
        public NpgsqlDataSource Db { get; private set; } = null!;
        public InvariantAudit Audit => new(Db, Redis);

        // A schema of its own, so the in-process hosts' preloaders and reconcilers never touch these sales.
        private TestSchema _schema = null!;

        public async Task InitializeAsync()
        {
            _schema = await TestSchema.CreateAsync();
            Db = NpgsqlDataSource.Create(_schema.ConnectionString);
            Multiplexer = await ConnectionMultiplexer.ConnectAsync(ServiceFixture.RedisAddress);
        }

        /// <summary>Settings for the processes of one test: its own topic and group on this cluster.</summary>
        public Dictionary<string, string?> Settings()
        {
            var topic = $"flashsale.kill.{Guid.NewGuid():N}";
            return ServiceFixture.Settings(new Dictionary<string, string?>
            {
                ["FlashSale:Postgres:ConnectionString"] = _schema.ConnectionString,
                ["FlashSale:Redis:Configuration"] = ServiceFixture.RedisAddress,
                ["FlashSale:Redis:Namespace"] = _schema.Namespace,
                ["FlashSale:Queue:Transport"] = "kafka",
                ["FlashSale:Kafka:BootstrapServers"] = Cluster.BootstrapServers,
                ["FlashSale:Kafka:Topic"] = topic,
                ["FlashSale:Kafka:DeadLetterTopic"] = topic + ".dead",
                ["FlashSale:Kafka:ConsumerGroup"] = "workers-" + topic,
                ["FlashSale:Kafka:LingerMs"] = "2",
                ["FlashSale:Kafka:SessionTimeout"] = "00:00:04",
                ["FlashSale:Kafka:AdminTimeout"] = "00:00:01",
            });
        }

        public Dictionary<string, string?> Settings(Dictionary<string, string?> settings, params (string Key, string Value)[] overrides)
        {
            var copy = new Dictionary<string, string?>(settings);
            foreach (var (key, value) in overrides) copy[key] = value;
            return copy;
        }

        public long MessagesOnTopic(Dictionary<string, string?> settings)
        {
            using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = Cluster.BootstrapServers, GroupId = "probe" }).Build();
            return Partitions(settings).Sum(p => probe.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        }

        /// <summary>The sum of the workers' committed offsets on the claims topic (0 when none).</summary>
        public long CommittedOffsets(Dictionary<string, string?> settings)
        {
            using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
            {
                BootstrapServers = Cluster.BootstrapServers, GroupId = settings["FlashSale:Kafka:ConsumerGroup"],
            }).Build();
            return probe.Committed(Partitions(settings), TimeSpan.FromSeconds(10)).Sum(o => Math.Max(0, o.Offset.Value));
        }

        private List<TopicPartition> Partitions(Dictionary<string, string?> settings)
        {
            var topic = settings["FlashSale:Kafka:Topic"]!;
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
            return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
                .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        }

        public async Task DisposeAsync()
        {
            await Multiplexer.DisposeAsync();
            await Db.DisposeAsync();
            await _schema.DisposeAsync();
            Cluster.Dispose();
        }
    }
}
