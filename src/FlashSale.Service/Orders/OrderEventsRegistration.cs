using FlashSale.Service.Hosting;

namespace FlashSale.Service.Orders;

internal static class OrderEventsRegistration
{
    public static IServiceCollection AddFlashSaleOrderEvents(this IServiceCollection services, Roles roles)
    {
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The Kafka transport will bring its own publisher; the relay and the outbox stay as they are.
        services.AddSingleton<IOrderEventPublisher, RedisStreamOrderEventPublisher>();
        services.AddSingleton<OrderEventRelay>();
        if (roles.Worker) services.AddHostedService(sp => sp.GetRequiredService<OrderEventRelay>());
        return services;
    }
}
