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
    /// Replicas that must hold an admit before its <c>202</c> goes out (Redis <c>WAIT</c>); 0 answers as soon as the
    /// primary has it. When they do not answer within <see cref="AdmitReplicaTimeout"/>, the buyer gets
    /// <c>503 dependency_unavailable</c>, and a retry is a replay of the same claim.
    /// </summary>
    [Range(0, 5)] public int AdmitReplicas { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")] public TimeSpan AdmitReplicaTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The most claims of one sale an edge sends in one admit call: claims that arrive while the sale's previous call
    /// is in flight go together in the next (Pool/AdmitLane.cs); 1 sends each claim in its own call.
    /// </summary>
    [Range(1, 1024)] public int AdmitBatch { get; set; } = Pool.AdmitScript.DefaultBatch;

    /// <summary>
    /// Prefix of the service's keys that belong to no sale (the active-sales registry). Services sharing a Redis
    /// under different namespaces never read each other's queues.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,32}$")] public string Namespace { get; set; } = "fs";
}
