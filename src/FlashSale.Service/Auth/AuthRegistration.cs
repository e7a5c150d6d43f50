using Microsoft.AspNetCore.Authentication;

namespace FlashSale.Service.Auth;

internal static class AuthRegistration
{
    public static IServiceCollection AddFlashSaleAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeys>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole(Policies.Admin))
            .AddPolicy(Policies.Storefront, p => p.RequireRole(Policies.Storefront));
        return services;
    }
}
