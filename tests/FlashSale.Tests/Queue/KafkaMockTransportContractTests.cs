using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Queue;

/// <summary>The transport contract on Kafka against librdkafka's mock cluster: runs everywhere, CI included.</summary>
public sealed class KafkaMockTransportContractTests(MockKafkaCluster cluster)
    : KafkaTransportContract, IClassFixture<MockKafkaCluster>
{
    protected override string BootstrapServers => cluster.BootstrapServers;
}
