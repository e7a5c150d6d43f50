using FlashSale.Service.Hosting;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Webhooks;

internal static class WebhooksRegistration
{
    public static IServiceCollection AddFlashSaleWebhooks(this IServiceCollection services, Roles roles)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Lease > o.Timeout, "FlashSale:Webhooks:Lease must be longer than FlashSale:Webhooks:Timeout.").ValidateOnStart();
        services.AddSingleton<WebhookTargets>().AddSingleton<WebhookStore>().AddSingleton<WebhookMessage>();
        // Redirects are not followed (a 3xx is a failed delivery), and every connection goes through the SSRF guard.
        services.AddHttpClient(WebhookDeliverer.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookTargets>().ConnectAsync,
                MaxConnectionsPerServer = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxConcurrentPerEndpoint,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .RemoveAllLoggers();
        if (roles.Worker) services.AddHostedService<WebhookDeliverer>();
        return services;
    }
}
