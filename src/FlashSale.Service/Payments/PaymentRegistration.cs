using Microsoft.Extensions.Options;
using Stripe;

namespace FlashSale.Service.Payments;

internal static class PaymentRegistration
{
    public static IServiceCollection AddFlashSalePayments(this IServiceCollection services)
    {
        services.AddOptions<PaymentOptions>().BindConfiguration(PaymentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<PaymentOptions>, PaymentOptionsValidator>();
        services.AddSingleton<SimulatedLedger>();
        services.AddSingleton<SimulatedGateway>();
        services.AddSingleton<IStripeClient>(sp =>
        {
            var stripe = sp.GetRequiredService<IOptions<PaymentOptions>>().Value.Stripe;
            // The pipeline's per-attempt timeout governs; Stripe.net retrying by itself would hide attempts from it.
            var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            return new StripeClient(stripe.ApiKey, httpClient: new SystemNetHttpClient(http, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
                apiBase: stripe.ApiBase.TrimEnd('/'));
        });
        services.AddSingleton<StripeGateway>();
        services.AddSingleton<PaymentResilience>();
        services.AddSingleton<SaleChargeHolds>();
        services.AddSingleton<OwedRefunds>();
        services.AddSingleton<IPaymentGateway>(sp =>
        {
            IPaymentGateway provider = sp.GetRequiredService<IOptions<PaymentOptions>>().Value.Provider switch
            {
                "stripe" => sp.GetRequiredService<StripeGateway>(),
                _ => sp.GetRequiredService<SimulatedGateway>(),
            };
            return new ResilientPaymentGateway(provider, sp.GetRequiredService<PaymentResilience>());
        });
        return services;
    }
}
