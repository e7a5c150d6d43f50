using FlashSale.Service.Hosting;

namespace FlashSale.Service.Sales;

internal static class SalesRegistration
{
    public static IServiceCollection AddFlashSaleSales(this IServiceCollection services, Roles roles)
    {
        services.AddOptions<SaleOptions>().BindConfiguration(SaleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SaleStore>().AddSingleton<SaleLifecycle>().AddSingleton<SaleCountsReader>();
        if (roles.Edge) services.AddHostedService<SalePreloader>();
        return services;
    }
}
