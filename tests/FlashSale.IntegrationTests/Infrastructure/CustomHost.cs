using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>A service host of its own, for a test that needs settings the shared one must not have.</summary>
public sealed class CustomHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;

    private CustomHost(WebApplicationFactory<Program> factory) => _factory = factory;

    public FlashSaleClient Admin { get; private set; } = null!;
    public FlashSaleClient Storefront { get; private set; } = null!;
    public IServiceProvider Services => _factory.Services;

    public static CustomHost Start(IDictionary<string, string?> overrides, ILoggerProvider? logs = null, string environment = "Development")
    {
        var settings = ServiceFixture.Settings(overrides);
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseTestSettings(settings, environment);
            if (logs is not null) b.ConfigureLogging(l => l.AddProvider(logs));
        });
        factory.UseKestrel(0);
        factory.StartServer();
        return new CustomHost(factory) { Admin = FlashSaleClient.Of(factory, ServiceFixture.AdminKey), Storefront = FlashSaleClient.Of(factory, ServiceFixture.StorefrontKey) };
    }


    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
