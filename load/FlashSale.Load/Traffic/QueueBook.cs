using System.Collections.Concurrent;

namespace FlashSale.Load.Traffic;

/// <summary>
/// What each waiting-room buyer went through, by buyer number: their ticket, when the service answered their join
/// (their arrival, for the fairness audit), whether a poll ever showed them admitted, and how their wait ended.
/// </summary>
public sealed class QueueBook(int buyers)
{
    private readonly string?[] _tickets = new string?[buyers];
    private readonly long[] _joinedAt = new long[buyers];
    private readonly bool[] _admitted = new bool[buyers];
    private readonly bool[] _tried = new bool[buyers];
    private readonly ConcurrentDictionary<string, int> _endings = new(StringComparer.Ordinal);
    private long _joined, _waiting;

    public int Buyers => buyers;
    public long Joined => Interlocked.Read(ref _joined);
    /// <summary>Buyers holding a ticket who have not finished waiting (not admitted, not sold out).</summary>
    public long Waiting => Interlocked.Read(ref _waiting);
    public long AdmittedSeen => _admitted.Count(a => a);

    /// <summary>How each buyer's wait ended: claimed, sold_out, expired, or what stopped it (join or poll errors).</summary>
    public IReadOnlyDictionary<string, int> Endings => _endings;

    public void NoteJoin(int buyer, string ticketId, long answeredAt)
    {
        _tickets[buyer] = ticketId;
        _joinedAt[buyer] = answeredAt;
        Interlocked.Increment(ref _joined);
        Interlocked.Increment(ref _waiting);
    }

    /// <summary>The buyer's join went out: a crowd stopped early never sent the others'.</summary>
    public void NoteTried(int buyer) => Volatile.Write(ref _tried[buyer], true);

    public bool Tried(int buyer) => Volatile.Read(ref _tried[buyer]);

    public void NoteAdmitted(int buyer) => Volatile.Write(ref _admitted[buyer], true);

    public void NoteEnd(int buyer, string how)
    {
        if (_tickets[buyer] is not null) Interlocked.Decrement(ref _waiting);
        _endings.AddOrUpdate(how, 1, (_, n) => n + 1);
    }

    public string? Ticket(int buyer) => _tickets[buyer];
    public long JoinedAt(int buyer) => _joinedAt[buyer];
    public bool WasAdmitted(int buyer) => Volatile.Read(ref _admitted[buyer]);
}
