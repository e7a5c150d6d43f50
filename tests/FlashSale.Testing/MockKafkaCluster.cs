using Confluent.Kafka;

namespace FlashSale.Testing;

/// <summary>
/// librdkafka's built-in mock cluster (three brokers speaking the Kafka protocol on loopback TCP), created by
/// building a client with <c>test.mock.num.brokers</c>. It lives as long as that client, so as long as this
/// object: any client, even one in another process, reaches it at <see cref="BootstrapServers"/>.
/// It has no CreateTopics API; topics are created on first use with 4 partitions.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private readonly IProducer<Null, Null> _holder;

    public const int Brokers = 3;

    public MockKafkaCluster()
    {
        const int brokers = Brokers;
        _holder = new ProducerBuilder<Null, Null>(new ProducerConfig(new Dictionary<string, string>
            {
                ["test.mock.num.brokers"] = brokers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }))
            .SetLogHandler((_, _) => { }) // "Mock cluster enabled" is expected, not news
            .Build();
        using var admin = new DependentAdminClientBuilder(_holder.Handle).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        BootstrapServers = string.Join(",", metadata.Brokers.Select(b => $"{b.Host}:{b.Port}"));
        if (metadata.Brokers.Count != brokers)
            throw new InvalidOperationException($"The Kafka mock cluster reported {metadata.Brokers.Count} brokers instead of {brokers}.");
    }

    public string BootstrapServers { get; }

    public void Dispose() => _holder.Dispose();
}
