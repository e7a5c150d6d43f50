using FlashSale.Service.Sales;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// Puts a sale's pre-queue in line at its start, in the order of <see cref="FairOrder"/>. Any process may do it, and
/// redo it after a crash: the order depends on the seed and the tickets only (lua/queue_shuffle.lua).
/// </summary>
public sealed class QueueShuffler(QueueRoom room, ShuffleSeeds seeds, ILogger<QueueShuffler> logger)
{
    private const int Chunk = 10_000;
    private static readonly TimeSpan LockFor = TimeSpan.FromMinutes(2);
    private readonly string _owner = Guid.NewGuid().ToString("N");

    /// <summary>True once the room is shuffled (by this call or any before).</summary>
    public async Task<bool> ShuffleAsync(SaleRow sale, CancellationToken ct)
    {
        var (state, count) = await room.BeginShuffleAsync(sale, _owner, LockFor);
        if (state == "done") return true;
        if (state != "go") return false;
        var seed = await seeds.GetAsync(sale.SaleId, ct) ?? throw new InvalidOperationException($"Sale {sale.SaleId} has no shuffle seed.");
        var tickets = new List<string>((int)count);
        for (long start = 0; start < count; start += Chunk) tickets.AddRange(await room.PrequeueAsync(sale.SaleId, start, Math.Min(start + Chunk, count) - 1));
        var order = FairOrder.Of(seed, tickets);
        for (var start = 0; start < order.Length; start += Chunk)
            await room.WriteOrderAsync(sale.SaleId, order[start..Math.Min(start + Chunk, order.Length)], start);
        var done = await room.EndShuffleAsync(sale.SaleId, _owner);
        if (done) logger.LogInformation("Sale {SaleId}: pre-queue of {Tickets} tickets shuffled into line", sale.SaleId, order.Length);
        return done;
    }
}
