namespace FlashSale.Load.Traffic;

/// <summary>An agent's part of the arrival plan: every arrival whose buyer number is <c>Index</c> modulo <c>Count</c>.</summary>
public sealed record AgentShare(int Index, int Count);

internal static class AgentShares
{
    /// <summary>Every agent builds the same plan from the same seed and keeps its own buyers: together, the whole plan, once.</summary>
    public static Arrival[] Of(this AgentShare? share, Arrival[] plan) => share is null ? plan : plan.Where(a => a.User % share.Count == share.Index).ToArray();
}
