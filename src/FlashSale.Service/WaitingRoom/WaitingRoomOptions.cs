using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.WaitingRoom;

public sealed class WaitingRoomOptions
{
    public const string Section = "FlashSale:WaitingRoom";

    /// <summary>How often each edge ticks the outflow of the live waiting rooms (the rate itself is kept in Redis).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:01")] public TimeSpan OutflowInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the list of waiting-room sales is read from PostgreSQL.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")] public TimeSpan SalesRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most one tick catches up on: a room no edge ticked for longer (all down) resumes without a burst.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")] public TimeSpan MaxCatchUp { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Admission-token keys by key id (base64, at least 32 bytes each). Tokens are signed with
    /// <see cref="SigningKeyId"/> and verified with whichever key their id names, so a key is rotated by adding the
    /// new one, signing with it, and removing the old one once its tokens have lapsed. Left empty, one key is
    /// derived from FlashSale:AdminKey (key id "a0"), which every process of a deployment shares.
    /// </summary>
    public Dictionary<string, string> TokenKeys { get; set; } = [];

    public string? SigningKeyId { get; set; }

    /// <summary>
    /// The storefront origins (<c>https://shop.example</c>, scheme, host and port only) the waiting page may send an
    /// admitted buyer back to. Left empty, the page redirects nowhere: every <c>return</c> is refused.
    /// </summary>
    public string[] ReturnOrigins { get; set; } = [];
}
