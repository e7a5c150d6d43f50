using StackExchange.Redis;

namespace FlashSale.Service.Pool;

/// <summary>
/// The Redis keys of one sale. The sale id is the hash tag (<c>{...}</c>) so every key of a sale lands in
/// one Redis Cluster slot, which a multi-key Lua script requires.
/// </summary>
public readonly record struct SaleKeys(string SaleId)
{
    public RedisKey Meta => $"fs:{{{SaleId}}}:meta";
    public RedisKey Remaining => $"fs:{{{SaleId}}}:remaining";
    public RedisKey Users => $"fs:{{{SaleId}}}:users";
    public RedisKey Claims => $"fs:{{{SaleId}}}:claims";
    public RedisKey Queue => $"fs:{{{SaleId}}}:queue";
    public RedisKey DeadLetters => $"fs:{{{SaleId}}}:dead";
    public RedisKey Released => $"fs:{{{SaleId}}}:released";

    /// <summary>Written before a <c>WAIT</c> for replicas (<see cref="ReplicaAcks"/>); expires by itself.</summary>
    public RedisKey ReplicaMarker => $"fs:{{{SaleId}}}:acked";

    // The waiting room (WaitingRoom/QueueRoom.cs): in the sale's slot too, so its scripts and the admit script,
    // which uses a ticket's admission up, each touch one slot.
    /// <summary>The room's state: its window, outflow rate and credit, admission cursor, counters.</summary>
    public RedisKey Room => $"fs:{{{SaleId}}}:wr";
    /// <summary>userId → ticketId: one ticket per user.</summary>
    public RedisKey RoomUsers => $"fs:{{{SaleId}}}:wr:users";
    /// <summary>ticketId → the ticket record (its format: lua/queue_join.lua).</summary>
    public RedisKey Tickets => $"fs:{{{SaleId}}}:wr:tickets";
    /// <summary>The queue in order: ticketId scored by its place (pre-queue rank, then arrival after the start).</summary>
    public RedisKey Line => $"fs:{{{SaleId}}}:wr:line";
    /// <summary>Tickets taken before the start, in arrival order, until the shuffle puts them in line.</summary>
    public RedisKey Prequeue => $"fs:{{{SaleId}}}:wr:pre";
    /// <summary>The pre-queue in the shuffled order, for the fairness listing.</summary>
    public RedisKey PrequeueOrder => $"fs:{{{SaleId}}}:wr:order";
    /// <summary>The pre-queue rank of a ticket that went back to the end (its score in the line no longer says it).</summary>
    public RedisKey PrequeueRanks => $"fs:{{{SaleId}}}:wr:ranks";
    /// <summary>Admission batches: the last score admitted, with when (the tickets' tokens run from then).</summary>
    public RedisKey Admissions => $"fs:{{{SaleId}}}:wr:admits";
    /// <summary>Held by the process shuffling the pre-queue; expires by itself.</summary>
    public RedisKey ShuffleLock => $"fs:{{{SaleId}}}:wr:shuffling";

    /// <summary>Every key of the sale (one hash slot, so one multi-key command may name them all).</summary>
    public RedisKey[] All =>
    [
        Meta, Remaining, Users, Claims, Queue, DeadLetters, Released, ReplicaMarker,
        Room, RoomUsers, Tickets, Line, Prequeue, PrequeueOrder, PrequeueRanks, Admissions, ShuffleLock,
    ];

    /// <summary>The keys every waiting-room script takes, in this order (lua/queue_*.lua).</summary>
    public RedisKey[] RoomScriptKeys => [Room, RoomUsers, Tickets, Line, Prequeue, Admissions, Remaining, PrequeueOrder, PrequeueRanks, Meta, ShuffleLock];

    /// <summary>The sale id from a queue key, for entries read from several sales' streams at once.</summary>
    public static string SaleIdOfQueue(RedisKey queue)
    {
        var key = (string)queue!;
        var open = key.IndexOf('{');
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }
}
