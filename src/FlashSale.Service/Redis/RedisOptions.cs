using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Redis;

public sealed class RedisOptions
{
    public const string Section = "FlashSale:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6390</c>.</summary>
    [Required] public string Configuration { get; set; } = "127.0.0.1:6390";
}
