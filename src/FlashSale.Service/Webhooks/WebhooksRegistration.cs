using FlashSale.Service.Hosting;
using Microsoft.Extensions.Options;
using Polly;

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
            .RemoveAllLoggers()
            // The pipeline only bounds each attempt: retries are the outbox's (backoff for days, each attempt recorded),
            // and a retry inside one attempt would hold the endpoint's slot and hide the attempt from the record.
            .AddResilienceHandler("merchant-webhooks", (pipeline, context) =>
                pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout));
        if (roles.Worker) services.AddHostedService<WebhookDeliverer>();
        return services;
    }
}
