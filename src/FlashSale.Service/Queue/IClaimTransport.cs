namespace FlashSale.Service.Queue;

/// <summary>
/// The winners' queue as the worker sees it. Deliveries are at least once: a delivery not acknowledged
/// (the worker died, or left it for a retry) comes back, so handling must be idempotent. A delivery being
/// worked on is leased to its receiver: while the receiver lives and renews the lease, nobody else gets it,
/// however long its charge takes.
/// </summary>
public interface IClaimTransport
{
    /// <summary>Waits briefly for deliveries; each returned list holds claims of one sale, in queue order.</summary>
    Task<IReadOnlyList<IReadOnlyList<ClaimDelivery>>> ReceiveAsync(int maxPerSale, CancellationToken ct);

    /// <summary>Done with these deliveries, after their effects were committed; they never come back.</summary>
    Task AcknowledgeAsync(IReadOnlyList<ClaimDelivery> deliveries, CancellationToken ct);

    /// <summary>Moves a delivery that cannot be handled aside for a person to look at, and acknowledges it.</summary>
    Task DeadLetterAsync(ClaimDelivery delivery, string reason, CancellationToken ct);

    /// <summary>
    /// How often a receiver renews the leases of the deliveries it still works on (<see cref="RenewAsync"/>);
    /// null when the transport's own membership is the lease (Kafka: a partition stays with a live consumer).
    /// </summary>
    TimeSpan? LeaseRenewal { get; }

    /// <summary>Keeps these deliveries this receiver's for another lease period; acknowledged ones are skipped.</summary>
    /// <returns>How many were still this receiver's.</returns>
    Task<int> RenewAsync(IReadOnlyList<ClaimDelivery> deliveries, CancellationToken ct);

    /// <summary>True when the transport's backing store answers (for <c>/readyz</c>).</summary>
    Task<bool> IsHealthyAsync(CancellationToken ct);
}
