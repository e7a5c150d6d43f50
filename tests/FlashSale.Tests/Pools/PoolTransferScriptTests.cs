using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Pools;

/// <summary>
/// The two halves of a move between pools (lua/transfer_out.lua, lua/transfer_in.lua): each applies once per transfer
/// id however often it runs, so a move repeated after a crash neither loses nor doubles a unit.
/// </summary>
public abstract class PoolTransferScriptTests(RedisFixture redis)
{
    [Fact]
    public async Task A_move_takes_at_most_what_the_donor_has_and_each_half_applies_once()
    {
        var sale = TestSales.Row(stock: 10, poolShards: 2);
        var pools = SalePool.PoolsOf(sale);
        foreach (var keys in pools.All) redis.Track(keys.Tag);
        await redis.Pool.PreloadAsync(sale);
        var (donor, receiver) = (pools[0], pools[1]);
        Assert.Equal(5, await redis.RemainingAsync(donor.Tag));

        var transfer = "trf_" + Guid.NewGuid().ToString("N");
        Assert.Equal(5, (int)await redis.Scripts.TransferOut.EvaluateAsync(redis.Db, [donor.Meta, donor.Remaining, donor.TransfersOut], [transfer, 8, "0"]));
        // Repeated (a mover that crashed before it booked the answer): the same answer, nothing more taken.
        Assert.Equal(5, (int)await redis.Scripts.TransferOut.EvaluateAsync(redis.Db, [donor.Meta, donor.Remaining, donor.TransfersOut], [transfer, 8, "0"]));
        Assert.Equal(0, await redis.RemainingAsync(donor.Tag));
        // Units between the two halves are still the sale's: the counts say 10 left.
        Assert.Equal(10, (await redis.Pool.CountsAsync(sale.SaleId))!.Remaining);

        Assert.Equal(1, (int)await redis.Scripts.TransferIn.EvaluateAsync(redis.Db, [receiver.Meta, receiver.Remaining, receiver.TransfersIn], [transfer, 5]));
        Assert.Equal(0, (int)await redis.Scripts.TransferIn.EvaluateAsync(redis.Db, [receiver.Meta, receiver.Remaining, receiver.TransfersIn], [transfer, 5]));
        Assert.Equal(10, await redis.RemainingAsync(receiver.Tag));
        Assert.Equal(new PoolCounts(10, 0, 0), await redis.Pool.CountsAsync(sale.SaleId));

        // A dry donor gives nothing, and says so.
        Assert.Equal(0, (int)await redis.Scripts.TransferOut.EvaluateAsync(redis.Db, [donor.Meta, donor.Remaining, donor.TransfersOut],
            ["trf_" + Guid.NewGuid().ToString("N"), 3, "0"]));
        // A pool with no keys (never loaded, or lost) is not written to.
        var gone = new SaleKeys(Ids.NewSaleId());
        Assert.Equal(-1, (int)await redis.Scripts.TransferOut.EvaluateAsync(redis.Db, [gone.Meta, gone.Remaining, gone.TransfersOut], [transfer, 1, "0"]));
        Assert.Equal(-1, (int)await redis.Scripts.TransferIn.EvaluateAsync(redis.Db, [gone.Meta, gone.Remaining, gone.TransfersIn], [transfer, 1]));
        Assert.False(await redis.Db.KeyExistsAsync(gone.Remaining));
    }
}

[Collection(RedisCollection.Name)]
public sealed class PoolTransferScriptTestsOnSingleNode(SingleNodeRedis redis) : PoolTransferScriptTests(redis);

[Collection(ClusterRedisCollection.Name)]
public sealed class PoolTransferScriptTestsOnCluster(ClusterRedis redis) : PoolTransferScriptTests(redis);

[Collection(SentinelRedisCollection.Name)]
public sealed class PoolTransferScriptTestsBehindSentinels(SentinelRedis redis) : PoolTransferScriptTests(redis);
