using Confluent.Kafka;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>The consume thread: the only code that touches the consumer, including the rebalance callbacks.</summary>
public sealed partial class KafkaClaimTransport
{
    private bool _paused;

    private void ConsumeLoop()
    {
        IConsumer<string, byte[]>? consumer = null;
        try
        {
            consumer = new ConsumerBuilder<string, byte[]>(KafkaClientConfigs.Consumer(_kafka))
                .SetErrorHandler((_, error) => OnError(error))
                .SetLogHandler((_, log) => KafkaLog.Write(_logger, log))
                .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
                .SetPartitionsRevokedHandler((c, partitions) => OnRevoked(c, partitions))
                .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
                .Build();
            consumer.Subscribe(_kafka.Topic);
            _logger.LogInformation("Kafka consumer of {Topic} joined group {Group}", _kafka.Topic, _kafka.ConsumerGroup);
            var lastCommit = _clock.GetTimestamp();
            var backoff = TimeSpan.FromMilliseconds(100);
            while (!_stop.IsCancellationRequested && _fatal is null)
            {
                try
                {
                    if (_clock.GetElapsedTime(lastCommit) >= _kafka.CommitInterval)
                    {
                        Commit(consumer, null);
                        ReportLag(consumer);
                        lastCommit = _clock.GetTimestamp();
                    }
                    Throttle(consumer);
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (result?.Message is not null) Register(result);
                    backoff = TimeSpan.FromMilliseconds(100);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    _logger.LogWarning("Kafka consume failed ({Code}: {Reason}); retrying in {Backoff}", e.Error.Code, e.Error.Reason, backoff);
                    backoff = Backoff(backoff);
                }
                catch (KafkaException e) when (e.Error.IsFatal)
                {
                    Fatal(e.Error);
                }
                catch (KafkaException e)
                {
                    _logger.LogWarning("Kafka consumer error ({Code}: {Reason}); retrying in {Backoff}", e.Error.Code, e.Error.Reason, backoff);
                    backoff = Backoff(backoff);
                }
            }
            if (_fatal is null)
            {
                // Graceful shutdown: commit what is done, then leave the group so the partitions move at once.
                Commit(consumer, null);
                consumer.Close();
                _logger.LogInformation("Kafka consumer closed");
            }
        }
        catch (Exception e)
        {
            _fatal ??= e.Message;
            _logger.LogCritical(e, "The Kafka consume loop stopped; claims are no longer confirmed and /readyz reports the queue down");
        }
        finally
        {
            consumer?.Dispose();
            _fresh.Writer.TryComplete();
        }
    }

    private TimeSpan Backoff(TimeSpan backoff)
    {
        _stop.Token.WaitHandle.WaitOne(backoff);
        return TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
    }

    private void Register(ConsumeResult<string, byte[]> result)
    {
        var message = ClaimRecord.Read(result.Message.Value);
        // The key is the sale id, so even an unreadable body is dead-lettered under its sale.
        var saleId = message?.SaleId ?? result.Message.Key ?? "unknown";
        KafkaEntry entry;
        lock (_gate)
        {
            if (!_ledgers.TryGetValue(result.TopicPartition, out var ledger)) _ledgers[result.TopicPartition] = ledger = new PartitionLedger(result.TopicPartition);
            entry = new KafkaEntry(ledger, result.Offset.Value, saleId, message, result.Message);
            ledger.Add(entry);
        }
        _fresh.Writer.TryWrite(entry);
    }

    /// <summary>Commits the acknowledged prefix of the given partitions (all when null); a failed commit is retried next time.</summary>
    private void Commit(IConsumer<string, byte[]> consumer, ICollection<TopicPartition>? only)
    {
        var pending = new List<(PartitionLedger Ledger, TopicPartitionOffset Offset)>();
        lock (_gate)
        {
            foreach (var ledger in _ledgers.Values)
                if ((only is null || only.Contains(ledger.Partition)) && ledger.Committable() is { } offset) pending.Add((ledger, offset));
        }
        if (pending.Count == 0) return;
        try
        {
            consumer.Commit(pending.Select(p => p.Offset));
            lock (_gate)
            {
                foreach (var (ledger, offset) in pending) ledger.Committed(offset.Offset.Value);
            }
        }
        catch (KafkaException e)
        {
            // Those messages stay acknowledged here; at worst another worker gets them again after a rebalance.
            _logger.LogWarning("Kafka offset commit failed ({Code}: {Reason}); retrying", e.Error.Code, e.Error.Reason);
        }
    }

    // From the watermarks the client already has (no broker round trip): the queue lag on /metrics.
    private static void ReportLag(IConsumer<string, byte[]> consumer)
    {
        foreach (var partition in consumer.Assignment)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            var position = consumer.Position(partition);
            if (high.IsSpecial || position.IsSpecial) continue;
            KafkaMetrics.ConsumerLag.WithLabels(partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set(Math.Max(0, high.Value - position.Value));
        }
    }

    // Bounded memory: past MaxInFlight unacknowledged messages stop fetching until the worker catches up.
    private void Throttle(IConsumer<string, byte[]> consumer)
    {
        int inFlight;
        lock (_gate) inFlight = _ledgers.Values.Sum(l => l.Count);
        KafkaMetrics.InFlight.Set(inFlight);
        if (inFlight >= _kafka.MaxInFlight)
        {
            if (!_paused) _logger.LogInformation("{InFlight} Kafka messages in flight; pausing fetch", inFlight);
            consumer.Pause(consumer.Assignment);
            _paused = true;
        }
        else if (_paused && inFlight < _kafka.MaxInFlight / 2)
        {
            consumer.Resume(consumer.Assignment);
            _paused = false;
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var partition in partitions) _ledgers[partition] = new PartitionLedger(partition);
        }
        _logger.LogInformation("Kafka partitions assigned: {Partitions}", string.Join(", ", partitions));
    }

    private void OnRevoked(IConsumer<string, byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        // Commit what is done; what is not is dropped here and redelivered to the partition's next owner.
        var revoked = partitions.Select(p => p.TopicPartition).ToHashSet();
        Commit(consumer, revoked);
        Drop(revoked);
        _logger.LogInformation("Kafka partitions revoked: {Partitions}", string.Join(", ", revoked));
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        // Lost (session expired): another worker may own them already, so no commit is allowed.
        var lost = partitions.Select(p => p.TopicPartition).ToHashSet();
        Drop(lost);
        _logger.LogWarning("Kafka partitions lost: {Partitions}; their unacknowledged messages go to the next owner", string.Join(", ", lost));
    }

    private void Drop(HashSet<TopicPartition> partitions)
    {
        lock (_gate)
        {
            foreach (var partition in partitions) _ledgers.Remove(partition);
        }
    }

    private void OnError(Error error)
    {
        if (error.IsFatal) Fatal(error);
        else _logger.LogWarning("Kafka consumer: {Code}: {Reason}", error.Code, error.Reason);
    }

    private void Fatal(Error error)
    {
        if (_fatal is not null) return;
        _fatal = $"{error.Code}: {error.Reason}";
        _logger.LogCritical("The Kafka consumer stopped on a fatal error ({Code}: {Reason}); claims are no longer confirmed and /readyz reports the queue down",
            error.Code, error.Reason);
    }
}
