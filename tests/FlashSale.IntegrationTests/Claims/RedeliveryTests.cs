using System.Net;
using System.Net.Http.Json;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Worker;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>At-least-once delivery must not mean twice the effect: a redelivered claim is confirmed and charged once.</summary>
public abstract class RedeliveryTests(ServiceFixture app)
{
    [Fact]
    public async Task A_claim_queued_again_after_it_was_paid_is_not_charged_or_counted_again()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3);
        var claimId = await AdmitAsync(sale.SaleId, "redelivered-user");
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "paid",
            TimeSpan.FromSeconds(30), "the claim is paid");

        // The same queue entry again, as a producer retry or a restored backup would deliver it.
        var keys = new SaleKeys(sale.SaleId);
        await app.Redis.StreamAddAsync(keys.Queue,
            QueueEntry.Fields(new ClaimMessage(claimId, sale.SaleId, "redelivered-user", 1, "pm_card_visa", DateTimeOffset.UtcNow)));
        await Eventually.True(async () => await app.Redis.StreamLengthAsync(keys.Queue) == 0,
            TimeSpan.FromSeconds(30), "the worker handled and acknowledged the duplicate");

        Assert.Equal(1, await AttemptsAsync(claimId));
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((1, 1, 2), (counts.Paid, counts.Sold, counts.Remaining));
    }

    [Fact]
    public async Task The_same_claim_delivered_twice_in_one_batch_and_once_more_later_is_confirmed_and_charged_once()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3);
        var keys = new SaleKeys(sale.SaleId);
        // Hide this sale's queue from the running worker so the test alone delivers its entries.
        await app.ActiveSales.RemoveAsync(sale.SaleId);
        var claimId = await AdmitAsync(sale.SaleId, "twice-user");
        var entry = Assert.Single(await app.Redis.StreamRangeAsync(keys.Queue));
        var message = (await QueueEntry.ReadAsync(app.Redis, keys, [entry]))[0]!;
        ClaimDelivery Delivery(long count) => new(message, sale.SaleId, count, (object)entry.Id);

        var processor = (ClaimBatchProcessor)app.Services.GetService(typeof(ClaimBatchProcessor))!;
        await processor.ProcessAsync([Delivery(1), Delivery(2)], CancellationToken.None);
        await processor.ProcessAsync([Delivery(3)], CancellationToken.None);

        Assert.Equal("paid", (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status);
        Assert.Equal(1, await AttemptsAsync(claimId));
        Assert.Equal(0, await app.Redis.StreamLengthAsync(keys.Queue));
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal((1, 1, 2), (ledger.PaidUnits, ledger.Sold, ledger.RedisRemaining));
    }

    private async Task<string> AdmitAsync(string saleId, string user)
    {
        var response = await app.Storefront.ClaimAsync(saleId, user);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
    }

    private async Task<int> AttemptsAsync(string claimId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("SELECT attempts FROM simulated_charges WHERE idempotency_key = @key",
            new { key = ChargeRequest.IdempotencyKeyFor(claimId) });
    }
}

[Collection(ServiceCollection.Name)]
public sealed class RedeliveryTestsOnSingleNode(ServiceFixture app) : RedeliveryTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class RedeliveryTestsOnCluster(ClusterServiceFixture app) : RedeliveryTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class RedeliveryTestsBehindSentinels(SentinelServiceFixture app) : RedeliveryTests(app);
