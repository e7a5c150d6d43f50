using Microsoft.Extensions.Options;

namespace FlashSale.Service.Queue.Kafka;

/// <summary>Checks the Kafka settings at start, but only when Kafka is the transport in use.</summary>
internal sealed class KafkaOptionsValidation(IOptions<QueueOptions> queue) : IValidateOptions<KafkaOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        if (queue.Value.Transport != "kafka") return ValidateOptionsResult.Success;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
            failures.Add("FlashSale:Kafka:BootstrapServers must be set when FlashSale:Queue:Transport is kafka.");
        if (options.Topic == options.DeadLetterTopic)
            failures.Add("FlashSale:Kafka:DeadLetterTopic must differ from FlashSale:Kafka:Topic.");
        if (options.ReplicationFactor == 0)
            failures.Add("FlashSale:Kafka:ReplicationFactor must be -1 (broker default) or at least 1.");
        if (string.IsNullOrWhiteSpace(options.ConsumerGroup))
            failures.Add("FlashSale:Kafka:ConsumerGroup must not be empty.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
