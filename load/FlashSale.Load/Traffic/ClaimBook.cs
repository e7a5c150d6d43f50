using System.Collections.Concurrent;
using FlashSale.Load.Api;

namespace FlashSale.Load.Traffic;

/// <summary>Every claim id the service handed each buyer, for the audit of claims per user and the final polling.</summary>
public sealed class ClaimBook
{
    private readonly ConcurrentDictionary<string, Holder> _users = new(StringComparer.Ordinal);

    public sealed class Holder(string paymentMethodId)
    {
        public string PaymentMethodId { get; } = paymentMethodId;
        /// <summary>Claim ids answered 202: more than one only after a failed payment (claiming again), up to the sale's attempts.</summary>
        public List<string> Admitted { get; } = [];
        /// <summary>Every distinct claim id seen for this user, 202 or 200.</summary>
        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);
    }

    public void Note(string userId, string paymentMethodId, ClaimAnswer answer)
    {
        if (answer.ClaimId is null || answer.HttpStatus is not (200 or 202)) return;
        var holder = _users.GetOrAdd(userId, _ => new Holder(paymentMethodId));
        lock (holder)
        {
            if (answer.HttpStatus == 202) holder.Admitted.Add(answer.ClaimId);
            holder.Seen.Add(answer.ClaimId);
        }
    }

    public IReadOnlyDictionary<string, Holder> Users => _users;

    /// <summary>A coordinator: what an agent's buyers were handed (user ids are the run's, so agents never share one).</summary>
    public void Merge(string userId, string paymentMethodId, IEnumerable<string> admitted, IEnumerable<string> seen)
    {
        var holder = _users.GetOrAdd(userId, _ => new Holder(paymentMethodId));
        lock (holder)
        {
            holder.Admitted.AddRange(admitted);
            holder.Seen.UnionWith(seen);
        }
    }

    /// <summary>
    /// Every claim the crowd learned of, by a 202 or by a 200 replay: a buyer whose 202 was lost to a client
    /// timeout learns their claim from the retry's replay.
    /// </summary>
    public IReadOnlyList<(string UserId, string ClaimId, string PaymentMethodId)> KnownClaims() =>
        _users.SelectMany(u => u.Value.Seen.Select(c => (u.Key, c, u.Value.PaymentMethodId))).ToList();

    /// <summary>Every claim answered 202, with its buyer.</summary>
    public IReadOnlyList<(string UserId, string ClaimId, string PaymentMethodId)> AdmittedClaims() =>
        _users.SelectMany(u => u.Value.Admitted.Distinct().Select(c => (u.Key, c, u.Value.PaymentMethodId))).ToList();
}
