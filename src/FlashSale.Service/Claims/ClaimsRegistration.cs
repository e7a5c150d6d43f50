using FlashSale.Service.Limits;

namespace FlashSale.Service.Claims;

internal static class ClaimsRegistration
{
    public static IServiceCollection AddFlashSaleClaims(this IServiceCollection services)
    {
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClaimLimiter>().AddSingleton<ClaimReader>().AddSingleton<ClaimEndpoint>();
        return services;
    }
}
