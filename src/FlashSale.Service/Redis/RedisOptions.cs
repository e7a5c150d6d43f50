using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Redis;

public sealed class RedisOptions
{
    public const string Section = "FlashSale:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6390</c>.</summary>
    /// <remarks>One node (<c>host:port</c>), a Redis Cluster (its masters' <c>host:port</c>s) or Sentinels
    /// (<c>host:port,...,serviceName=NAME</c>); see docs/redis.md.</remarks>
    [Required] public string Configuration { get; set; } = "127.0.0.1:6390";

    /// <summary>
    /// Prefix of the service's keys that belong to no sale (the active-sales registry). Services sharing a Redis
    /// under different namespaces never read each other's queues.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,32}$")] public string Namespace { get; set; } = "fs";
}
