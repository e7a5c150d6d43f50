using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using StackExchange.Redis;

namespace FlashSale.Tests.Infrastructure;

/// <summary>Queue entries as admit.lua writes them, and the clean-up of the queue tests' sales.</summary>
public static class QueueRedis
{
    /// <summary>Adds a claim to its sale's queue with the fields admit.lua writes.</summary>
    public static Task<RedisValue> AddEntryAsync(IDatabase db, ClaimMessage claim) =>
        db.StreamAddAsync(new SaleKeys(claim.SaleId).Queue, QueueEntry.Fields(claim));

    /// <summary>Takes test sales out of the registry and deletes their queues and metadata.</summary>
    public static async Task RemoveSalesAsync(QueueConnection redis, IEnumerable<string> saleIds)
    {
        foreach (var saleId in saleIds)
        {
            var keys = new SaleKeys(saleId);
            await redis.ActiveSales.RemoveAsync(saleId);
            await redis.Db.KeyDeleteAsync([keys.Queue, keys.Meta, keys.DeadLetters]);
        }
    }
}
