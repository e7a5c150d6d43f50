using FlashSale.Core;
using FlashSale.Service.Pool;
using FlashSale.Tests.Infrastructure;

namespace FlashSale.Tests.Pools;

/// <summary>Where a sale's pools live and which buyer belongs to which: the same answer in every process.</summary>
public sealed class SalePoolsTests
{
    [Fact]
    public void A_sale_of_one_pool_keeps_the_keys_it_always_had()
    {
        var saleId = Ids.NewSaleId();
        var pools = SalePools.Single(saleId);
        Assert.Equal(new SaleKeys(saleId), pools[0]);
        Assert.Equal(0, pools.HomeOf("anyone"));
        var claimId = Ids.NewClaimId();
        Assert.Equal(claimId, pools.ClaimIdIn(claimId, 0));
        Assert.Equal(0, pools.IndexOfClaim(claimId));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(64)]
    public void Pools_fall_in_distinct_parts_of_the_slot_range_and_name_their_sale(int count)
    {
        var saleId = Ids.NewSaleId();
        var pools = new SalePools(saleId, count);
        var segments = Enumerable.Range(0, count).Select(i => SalePools.Crc16.Slot(pools[i].Tag) * count / 16384).ToList();
        Assert.Equal(count, segments.Distinct().Count());
        Assert.All(Enumerable.Range(0, count), i =>
        {
            Assert.Equal(saleId, pools[i].SaleId);
            Assert.Equal(i, SalePools.IndexOf(pools[i].Tag));
        });
    }

    [Fact]
    public void The_slot_is_the_one_Redis_Cluster_computes()
    {
        // Redis Cluster's specification: CRC16 (XMODEM) of "123456789" is 0x31C3.
        Assert.Equal(0x31C3 % 16384, SalePools.Crc16.Slot("123456789"));
    }

    [Fact]
    public void A_claim_id_names_its_pool_and_a_buyer_has_one_home()
    {
        var pools = new SalePools(Ids.NewSaleId(), 5);
        var homes = Enumerable.Range(0, 5000).Select(i => pools.HomeOf($"buyer-{i}")).ToList();
        // Every pool is someone's home, none holds more than twice its share.
        Assert.All(Enumerable.Range(0, 5), p => Assert.InRange(homes.Count(h => h == p), 500, 2000));
        Assert.Equal(homes, Enumerable.Range(0, 5000).Select(i => pools.HomeOf($"buyer-{i}")));
        for (var i = 0; i < 5; i++)
        {
            var id = pools.ClaimIdIn(Ids.NewClaimId(), i);
            Assert.True(Ids.IsClaimId(id));
            Assert.Equal(i, pools.IndexOfClaim(id));
        }
    }

    [Fact]
    public void The_stock_is_split_evenly_and_wholly()
    {
        var pools = new SalePools(Ids.NewSaleId(), 3);
        Assert.Equal([34, 33, 33], Enumerable.Range(0, 3).Select(i => pools.ShareOf(100, i)));
        Assert.Equal([1, 1, 0], Enumerable.Range(0, 3).Select(i => pools.ShareOf(2, i)));
    }
}

/// <summary>On the local cluster (the only topology with several masters to spread over): three pools, three masters.</summary>
[Collection(ClusterRedisCollection.Name)]
public sealed class SalePoolsOnClusterMastersTests(ClusterRedis redis)
{
    [Fact]
    public void Three_pools_of_one_sale_land_on_the_three_masters_of_the_cluster()
    {
        var pools = new SalePools(Ids.NewSaleId(), 3);
        var masters = pools.All.Select(keys => redis.Connection.GetServer(keys.Meta).EndPoint.ToString()).ToList();
        Assert.Equal(3, masters.Distinct().Count());
        Assert.All(pools.All, keys => Assert.Equal(redis.Connection.HashSlot(keys.Meta), SalePools.Crc16.Slot(keys.Tag)));
    }
}
