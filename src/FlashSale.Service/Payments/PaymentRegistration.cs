namespace FlashSale.Service.Payments;

internal static class PaymentRegistration
{
    public static IServiceCollection AddFlashSalePayments(this IServiceCollection services)
    {
        services.AddOptions<PaymentOptions>().BindConfiguration(PaymentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The provider setting is validated on start; simulated is the only one this build carries.
        services.AddSingleton<SimulatedGateway>();
        services.AddSingleton<IPaymentGateway>(sp => sp.GetRequiredService<SimulatedGateway>());
        return services;
    }
}
