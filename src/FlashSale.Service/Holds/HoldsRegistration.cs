using FlashSale.Service.Hosting;

namespace FlashSale.Service.Holds;

internal static class HoldsRegistration
{
    public static IServiceCollection AddFlashSaleHolds(this IServiceCollection services, Roles roles)
    {
        services.AddOptions<HoldOptions>().BindConfiguration(HoldOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HoldExpirer>().AddSingleton<HoldCheckout>();
        if (roles.Worker) services.AddHostedService(sp => sp.GetRequiredService<HoldExpirer>());
        return services;
    }
}
