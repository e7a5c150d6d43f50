using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>
/// Creates the claims and dead-letter topics at start. A topic that already exists is fine (its partition
/// count is logged, not changed); a broker without the admin API (librdkafka's mock cluster) or with it
/// forbidden is tolerated when the topic shows up in the metadata anyway (auto-created).
/// </summary>
public sealed class KafkaTopicSetup(IOptions<KafkaOptions> options, ILogger<KafkaTopicSetup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) => await EnsureTopicsAsync(options.Value, logger);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static async Task EnsureTopicsAsync(KafkaOptions options, ILogger logger)
    {
        using var admin = new AdminClientBuilder(KafkaClientConfigs.Admin(options))
            .SetLogHandler((_, log) => KafkaLog.Write(logger, log)).Build();
        var specs = new[] { options.Topic, options.DeadLetterTopic }
            .Select(name => new TopicSpecification { Name = name, NumPartitions = options.Partitions, ReplicationFactor = options.ReplicationFactor })
            .ToList();
        try
        {
            await admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = options.AdminTimeout, OperationTimeout = options.AdminTimeout });
            logger.LogInformation("Created Kafka topics {Topics} with {Partitions} partitions", string.Join(", ", specs.Select(s => s.Name)), options.Partitions);
            return;
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // The usual case after the first start.
        }
        catch (KafkaException e)
        {
            logger.LogWarning("Kafka topic creation not possible ({Reason}); relying on topics existing or being auto-created", e.Error.Reason);
        }

        var metadata = await Task.Run(() => admin.GetMetadata(options.AdminTimeout));
        foreach (var name in specs.Select(s => s.Name))
        {
            var topic = metadata.Topics.FirstOrDefault(t => t.Topic == name);
            if (topic is null || topic.Error.Code != ErrorCode.NoError)
            {
                // Asking for the topic by name lets a broker that auto-creates topics create it now.
                topic = (await Task.Run(() => admin.GetMetadata(name, options.AdminTimeout))).Topics.FirstOrDefault(t => t.Topic == name);
            }
            if (topic is null || topic.Error.Code != ErrorCode.NoError || topic.Partitions.Count == 0)
                throw new InvalidOperationException(
                    $"Kafka topic '{name}' does not exist and could not be created ({topic?.Error.Reason ?? "not in metadata"}). " +
                    "Create it, or allow the service to (CreateTopics ACL) or the broker to auto-create it.");
            logger.LogInformation("Kafka topic {Topic} has {Partitions} partitions", name, topic.Partitions.Count);
        }
    }
}
