using FlashSale.Service.Hosting;
using FlashSale.Service.Queue.Kafka;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Queue;

internal static class QueueRegistration
{
    /// <summary>
    /// Redis: the worker reads the sales' streams directly. Kafka: the edge relays the streams to Kafka and
    /// the worker consumes Kafka. Either way the admit script writes to Redis, atomically with the decrement.
    /// </summary>
    public static IServiceCollection AddFlashSaleQueue(this IServiceCollection services, IConfiguration configuration, Roles roles)
    {
        services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidation>();
        services.AddSingleton<RedisStreamTransport>();
        if (configuration[$"{QueueOptions.Section}:Transport"] != "kafka")
        {
            services.AddSingleton<IClaimTransport>(sp => sp.GetRequiredService<RedisStreamTransport>());
            return services;
        }
        services.AddSingleton<KafkaClaimProducer>();
        services.AddSingleton<IClaimTransport, KafkaClaimTransport>();
        // Registered before the relay and the worker, so the topics exist before either uses them.
        services.AddHostedService<KafkaTopicSetup>();
        if (roles.Edge) services.AddHostedService<ClaimRelay>();
        return services;
    }
}
