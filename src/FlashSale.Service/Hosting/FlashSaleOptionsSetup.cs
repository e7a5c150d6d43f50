using Microsoft.Extensions.Options;

namespace FlashSale.Service.Hosting;

/// <summary>
/// Development gets well-known keys so <c>make run</c> works out of the box; anywhere else the service
/// refuses to start without real keys, because a guessable admin key on the internet ends a sale.
/// </summary>
internal sealed class FlashSaleOptionsSetup(IHostEnvironment environment, ILogger<FlashSaleOptionsSetup> logger)
    : IPostConfigureOptions<FlashSaleOptions>, IValidateOptions<FlashSaleOptions>
{
    public void PostConfigure(string? name, FlashSaleOptions options)
    {
        if (!environment.IsDevelopment()) return;
        if (string.IsNullOrEmpty(options.AdminKey))
        {
            options.AdminKey = FlashSaleOptions.DevAdminKey;
            logger.LogWarning("FlashSale:AdminKey is not set; using the Development default. Never run like this outside Development.");
        }
        if (string.IsNullOrEmpty(options.StorefrontKey))
        {
            options.StorefrontKey = FlashSaleOptions.DevStorefrontKey;
            logger.LogWarning("FlashSale:StorefrontKey is not set; using the Development default. Never run like this outside Development.");
        }
    }

    public ValidateOptionsResult Validate(string? name, FlashSaleOptions options)
    {
        if (environment.IsDevelopment()) return ValidateOptionsResult.Success;
        var failures = new List<string>();
        Check("FlashSale:AdminKey", options.AdminKey, failures);
        Check("FlashSale:StorefrontKey", options.StorefrontKey, failures);
        if (failures.Count == 0 && options.AdminKey == options.StorefrontKey)
            failures.Add("FlashSale:AdminKey and FlashSale:StorefrontKey must differ.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(string setting, string? key, List<string> failures)
    {
        if (string.IsNullOrEmpty(key)) failures.Add($"{setting} must be set outside Development.");
        else if (key.Length < FlashSaleOptions.MinKeyLength) failures.Add($"{setting} must be at least {FlashSaleOptions.MinKeyLength} characters.");
    }
}
