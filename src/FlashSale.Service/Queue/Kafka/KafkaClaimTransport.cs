using System.Threading.Channels;
using Confluent.Kafka;
using FlashSale.Service.Ops;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// The winners' queue on Kafka, as the worker sees it. The consume loop runs on its own thread and feeds a
/// channel; offsets are committed only up to the contiguous prefix of acknowledged messages of each partition,
/// and the processor acknowledges only after PostgreSQL committed. A message handed out and not acknowledged
/// within <see cref="QueueOptions.ReclaimAfter"/> is handed out again with a higher delivery count, so retries
/// and dead-lettering work as with Redis; after a restart everything past the committed offset comes again, and
/// the count goes on from where it was (<see cref="KafkaDeliveryCounts"/>, in Redis).
/// </summary>
public sealed partial class KafkaClaimTransport : IClaimTransport, IDisposable
{
    private readonly KafkaOptions _kafka;
    private readonly QueueOptions _queue;
    private readonly KafkaClaimProducer _producer;
    private readonly TimeProvider _clock;
    private readonly ILogger<KafkaClaimTransport> _logger;
    private readonly KafkaDeliveryCounts _counts;

    private readonly object _gate = new();
    private readonly Dictionary<TopicPartition, PartitionLedger> _ledgers = [];
    private readonly Channel<KafkaEntry> _fresh = Channel.CreateUnbounded<KafkaEntry>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Dictionary<string, Queue<KafkaEntry>> _backlog = [];
    private readonly SemaphoreSlim _receiving = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private int _started;
    private long _lastOverdueScan;
    private volatile string? _fatal;

    public KafkaClaimTransport(IOptions<KafkaOptions> kafka, IOptions<QueueOptions> queue, KafkaClaimProducer producer,
        IConnectionMultiplexer redis, TimeProvider clock, ILogger<KafkaClaimTransport> logger)
    {
        _kafka = kafka.Value;
        _queue = queue.Value;
        _producer = producer;
        _clock = clock;
        _logger = logger;
        _counts = new KafkaDeliveryCounts(redis, logger);
        _lastOverdueScan = clock.GetTimestamp();
    }

    /// <summary>Null while the consumer works; else why it stopped for good.</summary>
    public string? FatalError => _fatal;

    private TimeSpan ReclaimInterval => TimeSpan.FromTicks(Math.Max(_queue.ReclaimAfter.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));

    public async Task<IReadOnlyList<IReadOnlyList<ClaimDelivery>>> ReceiveAsync(int maxPerSale, CancellationToken ct)
    {
        EnsureStarted();
        await _receiving.WaitAsync(ct);
        try
        {
            if (_fatal is not null) throw new InvalidOperationException($"The Kafka consumer stopped on a fatal error: {_fatal}");
            var bySale = new Dictionary<string, List<KafkaEntry>>();
            TakeOverdue(bySale, maxPerSale);
            if (bySale.Count == 0 && _backlog.Count == 0) await WaitForFreshAsync(ct);
            TakeFresh(bySale, maxPerSale);
            await _counts.CountAsync(bySale.Values.SelectMany(entries => entries).ToList());
            return bySale.Values
                .Select(entries => (IReadOnlyList<ClaimDelivery>)entries
                    .OrderBy(e => e.Ledger.Partition.Partition.Value).ThenBy(e => e.Offset)
                    .Select(e => new ClaimDelivery(e.Message, e.SaleId, e.DeliveryCount, e)).ToList())
                .ToList();
        }
        finally
        {
            _receiving.Release();
        }
    }

    private void TakeOverdue(Dictionary<string, List<KafkaEntry>> bySale, int maxPerSale)
    {
        var now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_lastOverdueScan, now) < ReclaimInterval) return;
        _lastOverdueScan = now;
        var count = 0;
        lock (_gate)
        {
            foreach (var entry in _ledgers.Values.SelectMany(l => l.Overdue(now, _queue.ReclaimAfter, _clock)).ToList())
            {
                var list = SaleList(bySale, entry.SaleId);
                if (list.Count >= maxPerSale) continue;
                entry.DeliveryCount++;
                entry.HandedOutAt = now;
                list.Add(entry);
                count++;
            }
        }
        if (count == 0) return;
        KafkaMetrics.Redelivered.Inc(count);
        _logger.LogInformation("Handing out {Count} Kafka messages again: not acknowledged within {ReclaimAfter}", count, _queue.ReclaimAfter);
    }

    private async Task WaitForFreshAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(TimeSpan.FromTicks(Math.Min(ReclaimInterval.Ticks, TimeSpan.FromMilliseconds(250).Ticks)));
        try
        {
            await _fresh.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Nothing new within the wait: the caller polls again.
        }
    }

    private void TakeFresh(Dictionary<string, List<KafkaEntry>> bySale, int maxPerSale)
    {
        // Read ahead a bounded amount; a sale's surplus waits in the backlog, not yet handed out, for the next call.
        var buffered = _backlog.Values.Sum(q => q.Count);
        while (buffered < maxPerSale * 8 && _fresh.Reader.TryRead(out var entry))
        {
            if (!_backlog.TryGetValue(entry.SaleId, out var queue)) _backlog[entry.SaleId] = queue = new Queue<KafkaEntry>();
            queue.Enqueue(entry);
            buffered++;
        }
        var now = _clock.GetTimestamp();
        lock (_gate)
        {
            foreach (var (saleId, queue) in _backlog)
            {
                var list = SaleList(bySale, saleId);
                while (list.Count < maxPerSale && queue.TryDequeue(out var entry))
                {
                    // A message of a partition revoked meanwhile belongs to another worker now.
                    if (entry.Acked || !IsAssigned(entry)) continue;
                    // This process's count; the count in Redis, over every process, replaces it when Redis answers.
                    entry.DeliveryCount = 1;
                    entry.HandedOutAt = now;
                    list.Add(entry);
                }
                if (list.Count == 0) bySale.Remove(saleId);
            }
        }
        foreach (var empty in _backlog.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).ToList()) _backlog.Remove(empty);
    }

    private static List<KafkaEntry> SaleList(Dictionary<string, List<KafkaEntry>> bySale, string saleId)
    {
        if (!bySale.TryGetValue(saleId, out var list)) bySale[saleId] = list = [];
        return list;
    }

    private bool IsAssigned(KafkaEntry entry) =>
        _ledgers.TryGetValue(entry.Ledger.Partition, out var ledger) && ReferenceEquals(ledger, entry.Ledger);

    public Task AcknowledgeAsync(IReadOnlyList<ClaimDelivery> deliveries, CancellationToken ct)
    {
        // The consume thread commits the acknowledged prefix within CommitInterval (and on revoke and shutdown).
        lock (_gate)
        {
            foreach (var delivery in deliveries) ((KafkaEntry)delivery.Token).Acked = true;
        }
        _counts.Forget(deliveries.Select(d => (KafkaEntry)d.Token));
        return Task.CompletedTask;
    }

    public async Task DeadLetterAsync(ClaimDelivery delivery, string reason, CancellationToken ct)
    {
        var entry = (KafkaEntry)delivery.Token;
        var headers = new Headers();
        foreach (var header in entry.Raw.Headers ?? []) headers.Add(header.Key, header.GetValueBytes());
        headers.Add("dead-letter-reason", System.Text.Encoding.UTF8.GetBytes(reason));
        headers.Add("delivery-count", System.Text.Encoding.UTF8.GetBytes(delivery.DeliveryCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        headers.Add("source", System.Text.Encoding.UTF8.GetBytes($"{entry.Ledger.Partition.Topic}/{entry.Ledger.Partition.Partition.Value}@{entry.Offset}"));
        // On the dead-letter topic before the offset may move past it: a crash in between only dead-letters it twice.
        await _producer.SendAsync(_kafka.DeadLetterTopic, new Message<string, byte[]> { Key = entry.Raw.Key, Value = entry.Raw.Value, Headers = headers }, ct);
        await AcknowledgeAsync([delivery], ct);
        FlashSaleMetrics.DeadLetters.Inc();
        _logger.LogError("Kafka message {Partition}@{Offset} (claim {ClaimId}, sale {SaleId}) moved to {Topic}: {Reason}",
            entry.Ledger.Partition, entry.Offset, entry.Message?.ClaimId ?? ClaimRecord.Header(entry.Raw.Headers, ClaimRecord.ClaimIdHeader),
            delivery.SaleId, _kafka.DeadLetterTopic, reason);
    }

    // Between processes a partition is the lease: it stays with its consumer while librdkafka heartbeats, whatever
    // one claim takes (the consume loop runs on its own thread). Within the process, a message handed out is handed
    // out again after ReclaimAfter unless renewed, as on Redis.
    public TimeSpan? LeaseRenewal => _queue.ReclaimAfter / 3;

    public Task<int> RenewAsync(IReadOnlyList<ClaimDelivery> deliveries, CancellationToken ct)
    {
        var now = _clock.GetTimestamp();
        var renewed = 0;
        lock (_gate)
        {
            foreach (var entry in deliveries.Select(d => d.Token).OfType<KafkaEntry>().Where(e => !e.Acked && IsAssigned(e)))
            {
                entry.HandedOutAt = now;
                renewed++;
            }
        }
        return Task.FromResult(renewed);
    }

    public async Task<bool> IsHealthyAsync(CancellationToken ct)
    {
        if (_fatal is not null) return false;
        if (_thread is { IsAlive: false } && !_stop.IsCancellationRequested) return false;
        return await _producer.IsBrokerReachableAsync(TimeSpan.FromMilliseconds(1500));
    }

    private void EnsureStarted()
    {
        if (Interlocked.CompareExchange(ref _started, 1, 0) != 0) return;
        _thread = new Thread(ConsumeLoop) { IsBackground = true, Name = "flashsale-kafka-consumer" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_thread is not null && !_thread.Join(TimeSpan.FromSeconds(30)))
            _logger.LogWarning("The Kafka consume loop did not stop within 30 s");
        _receiving.Dispose();
    }
}
