using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Redis;

internal static class RedisRegistration
{
    public static IServiceCollection AddFlashSaleRedis(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ReplicaAcks>();
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration);
            // Start even while Redis is down: /readyz reports it and the multiplexer reconnects by itself.
            options.AbortOnConnectFail = false;
            // While a master is down or failing over, commands fail at once (503 for a buyer, a retry for a worker)
            // instead of queueing until a timeout: no request hangs on a dead node.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ClientName ??= "flashsale";
            return ConnectionMultiplexer.Connect(options);
        });
        return services;
    }
}
