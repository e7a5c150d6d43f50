namespace FlashSale.Service.Pool;

/// <summary>
/// One sale's admits at one edge: at most one admit call in flight, and the claims that arrive meanwhile wait for it
/// and go together in the next call, in arrival order (group commit). There is no timer: a claim that finds no call
/// in flight goes at once, alone; under load a batch grows by itself to what arrived during one round trip, up to
/// the bound, so one script stays short (Redis runs nothing else while it runs).
/// </summary>
internal sealed class AdmitLane(int maxBatch)
{
    private readonly Lock _gate = new();
    private List<PendingAdmit> _waiting = [];
    private bool _busy;

    /// <summary>Queues the claim behind the call in flight, or, when there is none, makes it the next caller's to send.</summary>
    /// <returns>True when the caller must send the claim (alone) and then drain the lane with <see cref="Next"/>.</returns>
    public bool Enter(PendingAdmit claim)
    {
        lock (_gate)
        {
            if (_busy)
            {
                _waiting.Add(claim);
                return false;
            }
            _busy = true;
            return true;
        }
    }

    /// <summary>The claims that arrived while the last call was in flight (at most the bound), or null: the lane is idle.</summary>
    public List<PendingAdmit>? Next()
    {
        lock (_gate)
        {
            if (_waiting.Count == 0)
            {
                _busy = false;
                return null;
            }
            if (_waiting.Count <= maxBatch)
            {
                var batch = _waiting;
                _waiting = [];
                return batch;
            }
            // More than one call's worth waited: the oldest go now, the rest stay first in line for the next call.
            var first = _waiting.GetRange(0, maxBatch);
            _waiting.RemoveRange(0, maxBatch);
            return first;
        }
    }
}

/// <summary>A claim waiting for its admit call: its arguments and, once the call returns, its outcome.</summary>
internal sealed class PendingAdmit(string userId, int quantity, string paymentMethodId, string claimId, string admission)
    : TaskCompletionSource<AdmitResult>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public string UserId { get; } = userId;
    public int Quantity { get; } = quantity;
    public string PaymentMethodId { get; } = paymentMethodId;
    public string ClaimId { get; } = claimId;
    public string Admission { get; } = admission;
}
