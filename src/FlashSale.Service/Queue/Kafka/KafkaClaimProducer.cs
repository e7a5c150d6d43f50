using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// The process's one Kafka producer (idempotent, acks=all), shared by the relay and the dead-letter path.
/// A fatal producer error (idempotence broken) makes it unusable: it is logged once and reported unhealthy.
/// </summary>
public sealed class KafkaClaimProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly KafkaOptions _options;
    private readonly ILogger<KafkaClaimProducer> _logger;
    private volatile string? _fatal;

    public KafkaClaimProducer(IOptions<KafkaOptions> options, ILogger<KafkaClaimProducer> logger)
    {
        _options = options.Value;
        _logger = logger;
        _producer = new ProducerBuilder<string, byte[]>(KafkaClientConfigs.Producer(_options))
            .SetErrorHandler((_, error) => OnError(error))
            .SetLogHandler((_, log) => KafkaLog.Write(logger, log))
            .Build();
    }

    public string Topic => _options.Topic;
    public string DeadLetterTopic => _options.DeadLetterTopic;

    /// <summary>Null while the producer works; else why it stopped for good.</summary>
    public string? FatalError => _fatal;

    public Handle Handle => _producer.Handle;

    /// <summary>Completes when the broker has the claim (all in-sync replicas); throws when it could not be written.</summary>
    public Task<DeliveryResult<string, byte[]>> SendClaimAsync(ClaimMessage claim, CancellationToken ct) =>
        _producer.ProduceAsync(_options.Topic, ClaimRecord.ToMessage(claim), ct);

    public Task<DeliveryResult<string, byte[]>> SendAsync(string topic, Message<string, byte[]> message, CancellationToken ct) =>
        _producer.ProduceAsync(topic, message, ct);

    /// <summary>True when a broker answers a metadata request for the claims topic.</summary>
    public async Task<bool> IsBrokerReachableAsync(TimeSpan timeout)
    {
        if (_fatal is not null) return false;
        return await Task.Run(() =>
        {
            try
            {
                using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
                var metadata = admin.GetMetadata(_options.Topic, timeout);
                return metadata.Brokers.Count > 0 && metadata.Topics.Any(t => t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0);
            }
            catch (KafkaException)
            {
                return false;
            }
        });
    }

    private void OnError(Error error)
    {
        if (error.IsFatal)
        {
            _fatal = $"{error.Code}: {error.Reason}";
            _logger.LogCritical("Kafka producer stopped on a fatal error ({Code}: {Reason}); claims are no longer forwarded and /readyz reports the queue down",
                error.Code, error.Reason);
        }
        else
        {
            _logger.LogWarning("Kafka producer: {Code}: {Reason}", error.Code, error.Reason);
        }
    }

    public void Dispose()
    {
        // What is still in the producer's buffer was never acknowledged in Redis, so the relay sends it again anyway;
        // flushing just spares that work.
        try { _producer.Flush(TimeSpan.FromSeconds(5)); }
        catch (KafkaException e) { _logger.LogWarning("Kafka producer flush on shutdown failed: {Reason}", e.Error.Reason); }
        _producer.Dispose();
    }
}
