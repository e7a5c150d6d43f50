using System.Diagnostics;
using Confluent.Kafka;
using FlashSale.Service.Queue;
using FlashSale.Service.Queue.Kafka;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>
/// The Kafka delivery count lives in Redis, so it survives the worker: a message that takes its worker down every
/// time is handed out with a growing count by each new process, and the worker's rule dead-letters it. Each test
/// has its own topic and group on librdkafka's mock cluster; "a restarted worker" is a new transport instance. The
/// counters are single-key commands without a hash tag, so on a Redis Cluster they spread over the masters.
/// </summary>
public abstract class KafkaDurableDeliveryCountTests(MockKafkaCluster cluster, string configuration) : IAsyncLifetime
{
    private const int MaxDeliveries = 3;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(45);

    private readonly string _topic = $"flashsale.durable.{Guid.NewGuid():N}";
    private readonly string _group = $"durable-{Guid.NewGuid():N}";
    private readonly List<IDisposable> _disposables = [];
    private ConnectionMultiplexer _redis = null!;
    private KafkaClaimProducer _producer = null!;

    private KafkaOptions Kafka => new()
    {
        BootstrapServers = cluster.BootstrapServers, Topic = _topic, DeadLetterTopic = _topic + ".dead", ConsumerGroup = _group,
        Partitions = 4, LingerMs = 1, SessionTimeout = TimeSpan.FromSeconds(4), CommitInterval = TimeSpan.FromMilliseconds(50),
        AdminTimeout = TimeSpan.FromSeconds(2),
    };

    // ReclaimAfter far beyond a test: every redelivery seen here comes from a new process, none from the same one.
    private static QueueOptions Queue(string group) => new()
    {
        BatchSize = 10, MaxDeliveries = MaxDeliveries, ReclaimAfter = TimeSpan.FromMinutes(10), ConsumerGroup = group,
    };

    public async Task InitializeAsync()
    {
        _redis = await TestRedis.ConnectAsync(configuration);
        _producer = new KafkaClaimProducer(Options.Create(Kafka), NullLogger<KafkaClaimProducer>.Instance);
    }

    [Fact]
    public async Task The_count_grows_across_restarted_workers_until_the_worker_rule_dead_letters_the_message()
    {
        var poison = Claim();
        var sent = await _producer.SendClaimAsync(poison, CancellationToken.None);

        // Each "worker" receives the message and dies before acknowledging it.
        for (var expected = 1; expected <= MaxDeliveries; expected++)
        {
            var worker = StartWorker(_redis);
            var delivery = await ReceiveAsync(worker, poison.ClaimId);
            Assert.Equal(expected, delivery.DeliveryCount);
            Assert.Equal(expected, (long)await _redis.GetDatabase().HashGetAsync(CounterKey(sent), sent.Offset.Value));
            worker.Dispose();
        }

        var last = StartWorker(_redis);
        var over = await ReceiveAsync(last, poison.ClaimId);
        Assert.Equal(MaxDeliveries + 1, over.DeliveryCount);
        // The worker's rule (ClaimBatchProcessor): past MaxDeliveries and never recorded goes to the dead letters.
        Assert.True(over.DeliveryCount > Queue(_group).MaxDeliveries);
        await last.DeadLetterAsync(over, "still failing", CancellationToken.None);

        var letter = await ReadDeadLetterAsync();
        Assert.Equal(poison.ClaimId, ClaimRecord.Read(letter.Value)?.ClaimId);
        Assert.Equal((MaxDeliveries + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimRecord.Header(letter.Headers, "delivery-count"));
        await Eventually.True(async () => !await _redis.GetDatabase().HashExistsAsync(CounterKey(sent), sent.Offset.Value), Within,
            "a dead-lettered message's counter is deleted");

        // Dead-lettered means acknowledged: the next worker gets what follows, not the poison message again.
        last.Dispose();
        var next = Claim(poison.SaleId);
        await _producer.SendClaimAsync(next, CancellationToken.None);
        var after = StartWorker(_redis);
        var fresh = await ReceiveAsync(after, next.ClaimId, alsoSeen: seen => Assert.DoesNotContain(poison.ClaimId, seen));
        Assert.Equal(1, fresh.DeliveryCount);
    }

    [Fact]
    public async Task Acknowledging_deletes_the_counter_and_the_counter_key_expires_on_its_own()
    {
        var claim = Claim();
        var sent = await _producer.SendClaimAsync(claim, CancellationToken.None);
        var worker = StartWorker(_redis);
        var delivery = await ReceiveAsync(worker, claim.ClaimId);

        var db = _redis.GetDatabase();
        Assert.Equal(1, (long)await db.HashGetAsync(CounterKey(sent), sent.Offset.Value));
        var ttl = await db.KeyTimeToLiveAsync(CounterKey(sent));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, KafkaDeliveryCounts.Ttl - TimeSpan.FromMinutes(1), KafkaDeliveryCounts.Ttl);

        await worker.AcknowledgeAsync([delivery], CancellationToken.None);
        await Eventually.True(async () => !await db.HashExistsAsync(CounterKey(sent), sent.Offset.Value), Within,
            "an acknowledged message's counter is deleted");
    }

    [Fact]
    public async Task Keeps_delivering_with_the_in_memory_count_while_Redis_is_unreachable()
    {
        // Port 9 (discard) on loopback: nothing listens there, so this multiplexer never connects.
        var options = ConfigurationOptions.Parse("127.0.0.1:9");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 500;
        await using var down = await ConnectionMultiplexer.ConnectAsync(options);
        var claim = Claim();
        await _producer.SendClaimAsync(claim, CancellationToken.None);

        var worker = StartWorker(down);
        var delivery = await ReceiveAsync(worker, claim.ClaimId);
        Assert.Equal(1, delivery.DeliveryCount);
        await worker.AcknowledgeAsync([delivery], CancellationToken.None);
    }

    private static ClaimMessage Claim(string? saleId = null) =>
        new(FlashSale.Core.Ids.NewClaimId(), saleId ?? FlashSale.Core.Ids.NewSaleId(), $"user-{Guid.NewGuid():N}", 1, "pm_card_visa",
            DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    private static RedisKey CounterKey(DeliveryResult<string, byte[]> sent) => KafkaDeliveryCounts.Key(sent.TopicPartition, sent.Offset.Value);

    private KafkaClaimTransport StartWorker(IConnectionMultiplexer redis)
    {
        var transport = new KafkaClaimTransport(Options.Create(Kafka), Options.Create(Queue(_group)), _producer, redis, TimeProvider.System,
            NullLogger<KafkaClaimTransport>.Instance);
        _disposables.Add(transport);
        return transport;
    }

    /// <summary>Polls like the worker until the claim is handed out, acknowledging nothing.</summary>
    private static async Task<ClaimDelivery> ReceiveAsync(IClaimTransport transport, string claimId, Action<IReadOnlyList<string>>? alsoSeen = null)
    {
        var clock = Stopwatch.StartNew();
        var seen = new List<string>();
        while (clock.Elapsed < Within)
        {
            foreach (var delivery in (await transport.ReceiveAsync(10, CancellationToken.None)).SelectMany(batch => batch))
            {
                seen.Add(delivery.Message?.ClaimId ?? "?");
                if (delivery.Message?.ClaimId != claimId) continue;
                alsoSeen?.Invoke(seen);
                return delivery;
            }
        }
        throw new TimeoutException($"Claim {claimId} not handed out within {Within.TotalSeconds:0} s; saw {string.Join(", ", seen)}");
    }

    private Task<Message<string, byte[]>> ReadDeadLetterAsync() => Task.Run(() =>
    {
        using var reader = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers, GroupId = $"dead-reader-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        reader.Subscribe(Kafka.DeadLetterTopic);
        var clock = Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < Within)
                if (reader.Consume(TimeSpan.FromMilliseconds(200))?.Message is { } message) return message;
            throw new TimeoutException($"Nothing on {Kafka.DeadLetterTopic} within {Within.TotalSeconds:0} s");
        }
        finally
        {
            reader.Close();
        }
    });

    public async Task DisposeAsync()
    {
        foreach (var disposable in _disposables) disposable.Dispose();
        _producer?.Dispose();
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            await foreach (var key in server.KeysAsync(0, $"fs:kafka:{_topic}:*"))
                await _redis.GetDatabase().KeyDeleteAsync(key);
        await _redis.DisposeAsync();
    }
}

public sealed class KafkaDurableDeliveryCountTestsOnSingleNode(MockKafkaCluster cluster)
    : KafkaDurableDeliveryCountTests(cluster, TestRedis.SingleNode), IClassFixture<MockKafkaCluster>;

public sealed class KafkaDurableDeliveryCountTestsOnCluster(MockKafkaCluster cluster)
    : KafkaDurableDeliveryCountTests(cluster, TestRedis.Cluster), IClassFixture<MockKafkaCluster>;
