using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Limits;

/// <summary>
/// How much one buyer, one client and the whole edge may ask of the claim endpoint. Defaults let a real
/// crowd through (a storefront backend is one client carrying many buyers) and stop loops and bots.
/// </summary>
public sealed class LimitOptions
{
    public const string Section = "FlashSale:Limits";

    /// <summary>Claims one user may send to one sale in a burst (retries and double clicks included).</summary>
    [Range(1, 1000)] public int PerUserBurst { get; set; } = 5;

    /// <summary>Tokens a user's bucket regains per second.</summary>
    [Range(1, 1000)] public int PerUserPerSecond { get; set; } = 2;

    /// <summary>Claim requests one client address may send in a burst.</summary>
    [Range(1, 10_000_000)] public int PerClientBurst { get; set; } = 50_000;

    /// <summary>Tokens a client's bucket regains per second.</summary>
    [Range(1, 10_000_000)] public int PerClientPerSecond { get; set; } = 50_000;

    /// <summary>Claim requests in progress at once on this process; beyond it the answer is 503 overloaded, not a queue.</summary>
    [Range(1, 1_000_000)] public int MaxConcurrentClaims { get; set; } = 10_000;
}
