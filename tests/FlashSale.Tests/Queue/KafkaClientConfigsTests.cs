using System.Text;
using Confluent.Kafka;
using FlashSale.Service.Queue;
using FlashSale.Service.Queue.Kafka;
using Microsoft.Extensions.Options;

namespace FlashSale.Tests.Queue;

/// <summary>The delivery guarantees are configuration: these pin them, with no broker needed.</summary>
public sealed class KafkaClientConfigsTests
{
    private static readonly KafkaOptions Options = new() { BootstrapServers = "broker-1:9092,broker-2:9092", LingerMs = 7, ConsumerGroup = "workers-x" };

    [Fact]
    public void The_producer_is_idempotent_and_waits_for_every_in_sync_replica()
    {
        var config = KafkaClientConfigs.Producer(Options);
        Assert.True(config.EnableIdempotence);
        Assert.Equal(Acks.All, config.Acks);
        Assert.InRange(config.MaxInFlight ?? 0, 1, 5); // idempotence keeps order only up to 5 in flight
        Assert.Equal(7, config.LingerMs);
        Assert.Equal(Partitioner.Murmur2Random, config.Partitioner);
        Assert.Equal("broker-1:9092,broker-2:9092", config.BootstrapServers);
    }

    [Fact]
    public void The_consumer_commits_by_hand_only_and_uses_cooperative_sticky_assignment()
    {
        var config = KafkaClientConfigs.Consumer(Options);
        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, config.PartitionAssignmentStrategy);
        Assert.Equal(AutoOffsetReset.Earliest, config.AutoOffsetReset);
        Assert.Equal("workers-x", config.GroupId);
    }

    [Fact]
    public void Extra_settings_pass_through_but_cannot_weaken_the_guarantees()
    {
        var options = new KafkaOptions
        {
            BootstrapServers = "b:9092",
            Settings = new() { ["security.protocol"] = "SASL_SSL", ["enable.idempotence"] = "false", ["acks"] = "1", ["enable.auto.commit"] = "true" },
        };
        var producer = KafkaClientConfigs.Producer(options);
        var consumer = KafkaClientConfigs.Consumer(options);
        Assert.Equal("SASL_SSL", producer.Get("security.protocol"));
        Assert.Equal("SASL_SSL", consumer.Get("security.protocol"));
        Assert.True(producer.EnableIdempotence);
        Assert.Equal(Acks.All, producer.Acks);
        Assert.False(consumer.EnableAutoCommit);
    }

    [Fact]
    public void A_claim_is_keyed_by_its_sale_and_carries_its_id_and_schema_version()
    {
        var claim = new ClaimMessage("clm_1", "sale_42", "u-1", 2, "pm_card_visa", DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123));
        var message = ClaimRecord.ToMessage(claim);

        Assert.Equal("sale_42", message.Key);
        Assert.Equal("clm_1", ClaimRecord.Header(message.Headers, ClaimRecord.ClaimIdHeader));
        Assert.Equal("1", ClaimRecord.Header(message.Headers, ClaimRecord.SchemaHeader));
        Assert.Contains("\"v\":1", Encoding.UTF8.GetString(message.Value));
        Assert.Equal(claim, ClaimRecord.Read(message.Value));
    }

    [Theory]
    [InlineData("{\"v\":2,\"claimId\":\"c\",\"saleId\":\"s\",\"userId\":\"u\",\"quantity\":1,\"paymentMethodId\":\"pm\",\"admittedAtMs\":1}")]
    [InlineData("{\"v\":1,\"claimId\":\"c\",\"saleId\":\"s\",\"userId\":\"u\",\"quantity\":0,\"paymentMethodId\":\"pm\",\"admittedAtMs\":1}")]
    [InlineData("{\"v\":1,\"saleId\":\"s\"}")]
    [InlineData("not json")]
    public void A_body_of_another_version_or_shape_reads_as_unreadable(string body) =>
        Assert.Null(ClaimRecord.Read(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Kafka_settings_are_required_only_when_Kafka_is_the_transport()
    {
        var missing = new KafkaOptions { BootstrapServers = null };
        Assert.True(Validate("redis", missing).Succeeded);
        var failed = Validate("kafka", missing);
        Assert.True(failed.Failed);
        Assert.Contains("BootstrapServers", failed.FailureMessage);
        Assert.True(Validate("kafka", new KafkaOptions { BootstrapServers = "b:9092" }).Succeeded);
        Assert.True(Validate("kafka", new KafkaOptions { BootstrapServers = "b:9092", DeadLetterTopic = "flashsale.claims" }).Failed);
    }

    private static ValidateOptionsResult Validate(string transport, KafkaOptions options) =>
        new KafkaOptionsValidation(Microsoft.Extensions.Options.Options.Create(new QueueOptions { Transport = transport })).Validate(null, options);
}
