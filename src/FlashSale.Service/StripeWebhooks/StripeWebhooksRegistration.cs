using FlashSale.Service.Payments;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.StripeWebhooks;

internal static class StripeWebhooksRegistration
{
    public static IServiceCollection AddFlashSaleStripeWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<StripeWebhookSecret>().AddSingleton<StripeEventApplier>().AddSingleton<SimulatedStripeEvents>();
        // The simulated provider posts to this service itself: no redirects, and a webhook answer is quick.
        services.AddHttpClient(SimulatedStripeEvents.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false }).RemoveAllLoggers();
        return services;
    }

    /// <summary>Stripe's webhook endpoint, and the simulated provider's client confirm when it is the provider.</summary>
    public static IEndpointRouteBuilder MapStripeWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapStripeWebhook();
        if (app.ServiceProvider.GetRequiredService<IOptions<PaymentOptions>>().Value.Provider == "simulated") app.MapSimulatedClientConfirm();
        return app;
    }
}
