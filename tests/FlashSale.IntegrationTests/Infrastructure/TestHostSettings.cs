using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace FlashSale.IntegrationTests.Infrastructure;

/// <summary>How every in-process test host takes its settings (<see cref="ServiceFixture.Settings"/>).</summary>
public static class TestHostSettings
{
    /// <summary>
    /// As host settings (read before the app's configuration is built: the role, the URLs) and as configuration
    /// (everything bound to options), in the given environment.
    /// </summary>
    public static IWebHostBuilder UseTestSettings(this IWebHostBuilder builder, IDictionary<string, string?> settings, string environment = "Development")
    {
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        return builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
    }
}
