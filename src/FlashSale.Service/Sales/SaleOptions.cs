using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Sales;

public sealed class SaleOptions
{
    public const string Section = "FlashSale:Sales";

    /// <summary>How long before <c>startsAt</c> a scheduled sale is preloaded into Redis automatically.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan PreloadLead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the preloader looks for sales due.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")] public TimeSpan PreloadInterval { get; set; } = TimeSpan.FromSeconds(1);
}
