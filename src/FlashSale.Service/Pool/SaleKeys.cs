using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// The Redis keys of one pool of a sale. The pool's tag is the hash tag (<c>{...}</c>) so every key of a pool lands in
/// one Redis Cluster slot, which a multi-key Lua script requires. The tag of a sale's first pool is the sale id, so a
/// sale of one pool (the default) has one slot for everything; the others' tags come from <see cref="SalePools"/>.
/// </summary>
/// <param name="Tag">The pool's hash tag: the sale id, or for a sale's further pools "saleId~index~k".</param>
public readonly record struct SaleKeys(string Tag)
{
    /// <summary>The sale this pool belongs to.</summary>
    public string SaleId => SalePools.SaleIdOf(Tag);

    public RedisKey Meta => $"fs:{{{Tag}}}:meta";
    public RedisKey Remaining => $"fs:{{{Tag}}}:remaining";
    public RedisKey Users => $"fs:{{{Tag}}}:users";
    public RedisKey Claims => $"fs:{{{Tag}}}:claims";
    public RedisKey Queue => $"fs:{{{Tag}}}:queue";
    public RedisKey DeadLetters => $"fs:{{{Tag}}}:dead";
    public RedisKey Released => $"fs:{{{Tag}}}:released";

    /// <summary>Written before a <c>WAIT</c> for replicas (<see cref="ReplicaAcks"/>); expires by itself.</summary>
    public RedisKey ReplicaMarker => $"fs:{{{Tag}}}:acked";

    // The waiting room (WaitingRoom/QueueRoom.cs): in the sale's slot too, so its scripts and the admit script,
    // which uses a ticket's admission up, each touch one slot.
    /// <summary>The room's state: its window, outflow rate and credit, admission cursor, counters.</summary>
    public RedisKey Room => $"fs:{{{Tag}}}:wr";
    /// <summary>userId → ticketId: one ticket per user.</summary>
    public RedisKey RoomUsers => $"fs:{{{Tag}}}:wr:users";
    /// <summary>ticketId → the ticket record (its format: lua/queue_join.lua).</summary>
    public RedisKey Tickets => $"fs:{{{Tag}}}:wr:tickets";
    /// <summary>The queue in order: ticketId scored by its place (pre-queue rank, then arrival after the start).</summary>
    public RedisKey Line => $"fs:{{{Tag}}}:wr:line";
    /// <summary>Tickets taken before the start, in arrival order, until the shuffle puts them in line.</summary>
    public RedisKey Prequeue => $"fs:{{{Tag}}}:wr:pre";
    /// <summary>The pre-queue in the shuffled order, for the fairness listing.</summary>
    public RedisKey PrequeueOrder => $"fs:{{{Tag}}}:wr:order";
    /// <summary>The pre-queue rank of a ticket that went back to the end (its score in the line no longer says it).</summary>
    public RedisKey PrequeueRanks => $"fs:{{{Tag}}}:wr:ranks";
    /// <summary>Admission batches: the last score admitted, with when (the tickets' tokens run from then).</summary>
    public RedisKey Admissions => $"fs:{{{Tag}}}:wr:admits";
    /// <summary>Held by the process shuffling the pre-queue; expires by itself.</summary>
    public RedisKey ShuffleLock => $"fs:{{{Tag}}}:wr:shuffling";

    /// <summary>Every key of the sale (one hash slot, so one multi-key command may name them all).</summary>
    public RedisKey[] All =>
    [
        Meta, Remaining, Users, Claims, Queue, DeadLetters, Released, ReplicaMarker, TransfersOut, TransfersIn,
        Room, RoomUsers, Tickets, Line, Prequeue, PrequeueOrder, PrequeueRanks, Admissions, ShuffleLock,
    ];

    /// <summary>The keys every waiting-room script takes, in this order (lua/queue_*.lua).</summary>
    public RedisKey[] RoomScriptKeys => [Room, RoomUsers, Tickets, Line, Prequeue, Admissions, Remaining, PrequeueOrder, PrequeueRanks, Meta, ShuffleLock];

    // A sale of several pools keeps the moves of units between them (lua/transfer_out.lua, lua/transfer_in.lua).
    /// <summary>Transfers out of this pool: transfer id → units taken.</summary>
    public RedisKey TransfersOut => $"fs:{{{Tag}}}:out";
    /// <summary>Transfers into this pool already applied.</summary>
    public RedisKey TransfersIn => $"fs:{{{Tag}}}:in";

    /// <summary>The pool's tag from a queue key, for entries read from several pools' streams at once.</summary>
    public static string TagOfQueue(RedisKey queue)
    {
        var key = (string)queue!;
        var open = key.IndexOf('{');
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }
}
