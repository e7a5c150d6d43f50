using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace FlashSale.Tests.Queue;

/// <summary>
/// The same contract against a real broker at <c>FLASHSALE_TEST_KAFKA</c> (<c>host:port</c>). No broker can be
/// installed on the build machines, so <c>make test</c> filters these out by their trait when the variable is
/// unset, and says so; run directly without a broker they fail with the reason, never pass or skip silently.
/// </summary>
[Trait(Category, RealBroker)]
public sealed class KafkaBrokerTransportContractTests(KafkaBrokerTransportContractTests.Broker broker)
    : KafkaTransportContract, IClassFixture<KafkaBrokerTransportContractTests.Broker>
{
    public const string Category = "Kafka";
    public const string RealBroker = "RealBroker";

    protected override string BootstrapServers => broker.BootstrapServers;

    protected override async Task DeleteTopicsAsync(IReadOnlyList<string> topics)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        try
        {
            await admin.DeleteTopicsAsync(topics, new DeleteTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(10), OperationTimeout = TimeSpan.FromSeconds(10) });
        }
        catch (KafkaException)
        {
            // A topic never created (a test that failed early), or a broker that forbids deleting: left behind, harmless.
        }
    }

    public sealed class Broker
    {
        public Broker()
        {
            BootstrapServers = Environment.GetEnvironmentVariable("FLASHSALE_TEST_KAFKA") is { Length: > 0 } address
                ? address
                : throw new InvalidOperationException(
                    "These tests need a real Kafka broker: set FLASHSALE_TEST_KAFKA=host:port, or leave them out with --filter \"Kafka!=RealBroker\" (make test does when it is unset).");
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
            try
            {
                admin.GetMetadata(TimeSpan.FromSeconds(10));
            }
            catch (KafkaException e)
            {
                throw new InvalidOperationException($"FLASHSALE_TEST_KAFKA={BootstrapServers} is set but no Kafka broker answers there: {e.Error.Reason}", e);
            }
        }

        public string BootstrapServers { get; }
    }
}
