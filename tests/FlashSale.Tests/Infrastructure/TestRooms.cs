using FlashSale.Core;
using FlashSale.Service.Sales;
using FlashSale.Service.WaitingRoom;

namespace FlashSale.Tests.Infrastructure;

/// <summary>Waiting-room sales straight in Redis: a live pool, a room, and its (empty) pre-queue shuffled.</summary>
public static class TestRooms
{
    public static async Task<(SaleRow Sale, QueueRoom Room)> LiveAsync(RedisFixture redis, int stock, int outflowPerMinute, int tokenSeconds = 120)
    {
        var row = TestSales.Row(stock);
        var sale = new SaleRow
        {
            SaleId = redis.Track(row.SaleId), Sku = row.Sku, Name = row.Name, Stock = stock, PriceCents = row.PriceCents, Currency = row.Currency,
            StartsAt = row.StartsAt, EndsAt = row.EndsAt, PerUserLimit = 1, Status = SaleStatus.Preloaded,
            WaitingRoom = true, OutflowPerMinute = outflowPerMinute, TokenSeconds = tokenSeconds,
        };
        await redis.Pool.PreloadAsync(sale);
        var room = new QueueRoom(redis.Connection, redis.Scripts);
        Assert.Equal("go", (await room.BeginShuffleAsync(sale, "test", TimeSpan.FromSeconds(10))).State);
        Assert.True(await room.EndShuffleAsync(sale.SaleId, "test"));
        return (sale, room);
    }
}
