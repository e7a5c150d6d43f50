using Confluent.Kafka;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// What one assigned partition has handed to the worker: messages in offset order until they are committed.
/// The committable offset is the end of the contiguous acknowledged prefix, so an acknowledged message never
/// lets the offset pass one that is still being worked on. Not thread-safe: the transport locks around it.
/// </summary>
internal sealed class PartitionLedger(TopicPartition partition)
{
    private readonly LinkedList<KafkaEntry> _entries = new();
    private long? _uncommitted;

    public TopicPartition Partition => partition;
    public int Count => _entries.Count;

    public void Add(KafkaEntry entry) => _entries.AddLast(entry);

    /// <summary>The next offset to commit if acknowledgements moved the prefix since the last successful commit.</summary>
    public TopicPartitionOffset? Committable()
    {
        while (_entries.First is { Value.Acked: true } first)
        {
            _uncommitted = first.Value.Offset + 1;
            _entries.RemoveFirst();
        }
        return _uncommitted is { } next ? new TopicPartitionOffset(partition, next) : null;
    }

    /// <summary>Called after the broker accepted the commit of <paramref name="offset"/>.</summary>
    public void Committed(long offset)
    {
        if (_uncommitted == offset) _uncommitted = null;
    }

    /// <summary>Handed out, not acknowledged, and older than <paramref name="after"/>: to be handed out again.</summary>
    public IEnumerable<KafkaEntry> Overdue(long now, TimeSpan after, TimeProvider clock) =>
        _entries.Where(e => !e.Acked && e.HandedOutAt != 0 && clock.GetElapsedTime(e.HandedOutAt, now) >= after);
}

/// <summary>One received Kafka message and its state in this worker.</summary>
internal sealed class KafkaEntry(PartitionLedger ledger, long offset, string saleId, ClaimMessage? message, Message<string, byte[]> raw)
{
    public PartitionLedger Ledger => ledger;
    public long Offset => offset;
    public string SaleId => saleId;
    public ClaimMessage? Message => message;
    public Message<string, byte[]> Raw => raw;
    public int DeliveryCount { get; set; }
    public long HandedOutAt { get; set; }
    public bool Acked { get; set; }
}
