using System.Net;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using ServiceCollection = FlashSale.IntegrationTests.Infrastructure.ServiceCollection;

namespace FlashSale.IntegrationTests.Pools;

/// <summary>
/// The failure cases of moving units between a sale's pools (docs/hot-sales.md §3): a mover that dies after the donor
/// gave, and a pool whose master lost its keys. Either way every unit is sold once: none lost, none doubled.
/// </summary>
public abstract class PoolMoveRecoveryTests(ServiceFixture app)
{
    [Fact]
    public async Task A_move_cut_short_after_the_donor_gave_is_finished_and_its_units_are_sold_once()
    {
        var sale = await app.Admin.LiveShardedSaleAsync(stock: 10, poolShards: 2);
        var pools = new SalePools(sale.SaleId, 2);
        var (donor, receiver) = (pools[0], pools[1]);
        var scripts = app.Services.GetRequiredService<RedisScripts>();

        // The mover booked the move and the donor gave its 5 units; then the mover died.
        var transfer = "trf_" + Guid.NewGuid().ToString("N");
        await using (var conn = await app.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("""
                INSERT INTO pool_transfers (transfer_id, sale_id, from_pool, to_pool, units, created_at) VALUES (@transfer, @SaleId, 0, 1, 5, now() - interval '1 minute')
                """, new { transfer, sale.SaleId });
        Assert.Equal(5, (int)await scripts.TransferOut.EvaluateAsync(app.Redis, [donor.Meta, donor.Remaining, donor.TransfersOut], [transfer, 5, "0"]));
        Assert.Equal(0, (int)await app.Redis.StringGetAsync(donor.Remaining));
        // Meanwhile the units are still the sale's: its counts say 10 left.
        Assert.Equal(10, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);

        // The reconciler finishes the move: the receiver gets the 5, once.
        await Eventually.True(async () =>
        {
            await using var conn = await app.Db.OpenConnectionAsync();
            return await conn.QuerySingleAsync<(string, int?)>("SELECT state, taken FROM pool_transfers WHERE transfer_id = @transfer", new { transfer }) == ("done", 5);
        }, TimeSpan.FromSeconds(30), "the reconciler finished the move");
        Assert.Equal(10, (int)await app.Redis.StringGetAsync(receiver.Remaining));
        var transfers = app.Services.GetRequiredService<PoolTransfers>();
        Assert.Equal(0, await transfers.CompleteOpenAsync(pools, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(10, (int)await app.Redis.StringGetAsync(receiver.Remaining));

        // Ten buyers get the ten units, the eleventh none.
        var buyers = Buyers(pools, home: 1, count: 11);
        foreach (var user in buyers[..10]) Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, user)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Storefront.ClaimAsync(sale.SaleId, buyers[10])).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 10, TimeSpan.FromSeconds(60), "all paid");
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    [Fact]
    public async Task A_pool_that_lost_its_keys_gets_back_its_share_its_moves_and_its_claims()
    {
        var sale = await app.Admin.LiveShardedSaleAsync(stock: 20, poolShards: 2);
        var pools = new SalePools(sale.SaleId, 2);
        // Fifteen buyers at home in pool 0, which holds 10: pool 1 gives it units.
        foreach (var user in Buyers(pools, home: 0, count: 15))
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, user)).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 15, TimeSpan.FromSeconds(60), "all paid");
        var before = await LeftAsync(pools);
        Assert.Equal(5, before.Sum());

        var row = (await app.Services.GetRequiredService<SaleStore>().GetAsync(sale.SaleId, CancellationToken.None))!;
        var salePool = app.Services.GetRequiredService<SalePool>();
        var healer = app.Services.GetRequiredService<PoolHealer>();
        // Each pool in turn loses everything (a failover to a replica that had seen none of it), and is rebuilt as the
        // verifier rebuilds a pool: preloaded, then healed from PostgreSQL.
        for (var i = 0; i < 2; i++)
        {
            await app.Redis.KeyDeleteAsync([pools[i].Meta, pools[i].Remaining, pools[i].Users, pools[i].Claims, pools[i].Released, pools[i].TransfersOut, pools[i].TransfersIn]);
            await salePool.PreloadAsync(row);
            await healer.HealAsync(row, CancellationToken.None);
            Assert.Equal(before, await LeftAsync(pools));
        }
        // The buyers' tokens came back with their claims: a retry is a replay, not a second claim.
        Assert.Equal(HttpStatusCode.OK, (await app.Storefront.ClaimAsync(sale.SaleId, Buyers(pools, home: 0, count: 1)[0])).StatusCode);
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    private async Task<int[]> LeftAsync(SalePools pools) =>
        (await Task.WhenAll(pools.All.Select(k => app.Redis.StringGetAsync(k.Remaining)))).Select(v => (int)v).ToArray();

    private static string[] Buyers(SalePools pools, int home, int count) =>
        Enumerable.Range(0, 10_000).Select(i => $"mover-{pools.SaleId[^6..]}-{i}").Where(u => pools.HomeOf(u) == home).Take(count).ToArray();
}

[Collection(ServiceCollection.Name)]
public sealed class PoolMoveRecoveryTestsOnSingleNode(ServiceFixture app) : PoolMoveRecoveryTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class PoolMoveRecoveryTestsOnCluster(ClusterServiceFixture app) : PoolMoveRecoveryTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class PoolMoveRecoveryTestsBehindSentinels(SentinelServiceFixture app) : PoolMoveRecoveryTests(app);
