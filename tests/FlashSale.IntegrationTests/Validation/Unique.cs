namespace FlashSale.IntegrationTests.Validation;

/// <summary>Names no other test uses, so tests sharing the database cannot see each other's data.</summary>
public static class Unique
{
    public static string Sku() => "SKU-" + Guid.NewGuid().ToString("N")[..12];

    public static string Name() => "Test sale " + Guid.NewGuid().ToString("N")[..12];

    public static string User(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Well shaped (<c>sale_</c> + 32 hex) but never created.</summary>
    public static string SaleId() => "sale_" + Guid.NewGuid().ToString("N");
}
