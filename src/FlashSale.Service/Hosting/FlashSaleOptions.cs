namespace FlashSale.Service.Hosting;

/// <summary>Top-level settings: the API keys of the two roles that call us.</summary>
public sealed class FlashSaleOptions
{
    public const string Section = "FlashSale";
    public const string DevAdminKey = "dev-admin-key";
    public const string DevStorefrontKey = "dev-storefront-key";
    public const int MinKeyLength = 16;

    public string? AdminKey { get; set; }
    public string? StorefrontKey { get; set; }
}
