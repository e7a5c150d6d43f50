using Confluent.Kafka;
using Confluent.Kafka.Admin;
using FlashSale.Service.Queue;
using FlashSale.Service.Queue.Kafka;
using FlashSale.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Tests.Queue;

/// <summary>
/// The transport contract on Kafka, plus what is Kafka's own (offsets). Every test has a topic and a consumer
/// group of its own, so tests never see each other's messages or offsets, nor each other's delivery counters in Redis.
/// </summary>
public abstract class KafkaTransportContract : ClaimTransportContract
{
    private readonly string _topic = $"flashsale.contract.{Guid.NewGuid():N}";
    private readonly string _group = $"contract-{Guid.NewGuid():N}";
    private KafkaClaimProducer? _producer;
    private ConnectionMultiplexer? _redis;

    protected abstract string BootstrapServers { get; }

    protected KafkaOptions Kafka => new()
    {
        BootstrapServers = BootstrapServers, Topic = _topic, DeadLetterTopic = _topic + ".dead", ConsumerGroup = _group,
        Partitions = 4, LingerMs = 1, SessionTimeout = TimeSpan.FromSeconds(4), CommitInterval = TimeSpan.FromMilliseconds(50),
        AdminTimeout = TimeSpan.FromSeconds(2),
    };

    protected ConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("Not initialized");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _redis = await TestRedis.ConnectAsync(TestRedis.SingleNode);
    }

    protected KafkaClaimProducer Producer => _producer ??= new KafkaClaimProducer(Options.Create(Kafka), NullLogger<KafkaClaimProducer>.Instance);

    protected override Task<string> PrepareSaleAsync() => Task.FromResult(FlashSale.Core.Ids.NewSaleId());

    protected override async Task PublishAsync(IReadOnlyList<ClaimMessage> claims)
    {
        // As the relay does: queued in order, awaited together.
        var sends = claims.Select(c => Producer.SendClaimAsync(c, CancellationToken.None)).ToList();
        await Task.WhenAll(sends);
    }

    protected override Task PublishUnreadableAsync(string saleId) =>
        Producer.SendAsync(_topic, new Message<string, byte[]> { Key = saleId, Value = "{\"v\":99}"u8.ToArray() }, CancellationToken.None);

    protected override IClaimTransport CreateTransport() =>
        new KafkaClaimTransport(Options.Create(Kafka), Options.Create(QueueOptions(_group)), Producer, Redis, TimeProvider.System,
            NullLogger<KafkaClaimTransport>.Instance);

    protected override Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(string saleId, int expected) => Task.Run(() =>
    {
        using var reader = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers, GroupId = $"dead-reader-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        reader.Subscribe(Kafka.DeadLetterTopic);
        var letters = new List<DeadLetter>();
        var deadline = DateTime.UtcNow + Within;
        while (letters.Count < expected && DateTime.UtcNow < deadline)
        {
            var r = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (r?.Message is null || r.Message.Key != saleId) continue;
            letters.Add(new DeadLetter(ClaimRecord.Read(r.Message.Value)?.ClaimId, ClaimRecord.Header(r.Message.Headers, "dead-letter-reason")!));
        }
        reader.Close();
        return (IReadOnlyList<DeadLetter>)letters;
    });

    [Fact]
    public async Task Commits_only_the_contiguous_acknowledged_prefix_so_a_gap_comes_back_after_a_restart()
    {
        var sale = await NewSaleAsync();
        var claims = Claims(sale, 6);
        await PublishAsync(claims);

        var first = StartConsumer();
        var seen = await ReceiveUntilAsync(first, got => Ids(got).Count == 6, ack: _ => false);
        // 0, 1 done; 2 still being worked on; 3, 4 done out of order; 5 not done.
        var done = new[] { 0, 1, 3, 4 }.Select(i => seen.All.First(d => d.Message!.ClaimId == claims[i].ClaimId)).ToList();
        await first.AcknowledgeAsync(done, CancellationToken.None);
        Stop(first);

        var next = StartConsumer();
        var sentinel = Claims(sale, 1);
        await PublishAsync(sentinel);
        var again = await ReceiveUntilAsync(next, got => Ids(got).Contains(sentinel[0].ClaimId), ack: _ => true);
        // The committed offset stopped at 2, so 2..5 come again (3 and 4 twice: at least once), 0 and 1 never.
        Assert.Equal(new[] { 2, 3, 4, 5 }.Select(i => claims[i].ClaimId).Append(sentinel[0].ClaimId).Order(), Ids(again.All).Order());
    }

    [Fact]
    public async Task Topic_setup_creates_or_finds_both_topics()
    {
        await KafkaTopicSetup.EnsureTopicsAsync(Kafka, NullLogger.Instance);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.Contains(metadata.Topics, t => t.Topic == Kafka.Topic && t.Partitions.Count > 0);
        Assert.Contains(metadata.Topics, t => t.Topic == Kafka.DeadLetterTopic && t.Partitions.Count > 0);
        // A second start finds them and does not fail.
        await KafkaTopicSetup.EnsureTopicsAsync(Kafka, NullLogger.Instance);
    }

    [Fact]
    public async Task Reports_unhealthy_when_no_broker_answers()
    {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        var nowhere = Kafka;
        nowhere.BootstrapServers = "127.0.0.1:9";
        using var producer = new KafkaClaimProducer(Options.Create(nowhere), NullLogger<KafkaClaimProducer>.Instance);
        using var consumer = new KafkaClaimTransport(Options.Create(nowhere), Options.Create(QueueOptions("nowhere")), producer,
            Redis, TimeProvider.System, NullLogger<KafkaClaimTransport>.Instance);
        Assert.False(await consumer.IsHealthyAsync(CancellationToken.None));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _producer?.Dispose();
        await DeleteTopicsAsync([_topic, _topic + ".dead"]);
        if (_redis is null) return;
        var server = _redis.GetServer(_redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(0, $"fs:kafka:{_topic}:*")) await _redis.GetDatabase().KeyDeleteAsync(key);
        await _redis.DisposeAsync();
    }

    /// <summary>Leaves a real broker as it was; the mock cluster has no admin API and vanishes with the fixture anyway.</summary>
    protected virtual Task DeleteTopicsAsync(IReadOnlyList<string> topics) => Task.CompletedTask;
}
