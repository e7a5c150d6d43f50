using System.Net;
using System.Net.Http.Json;
using Dapper;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Redis;
using FlashSale.Service.Worker;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Reconciliation;

/// <summary>The reconciler repairs what a crash or a lost message leaves behind, and says so in the report.</summary>
public abstract class ReconcilerTests(ServiceFixture app)
{
    [Fact]
    public async Task A_claim_admitted_in_redis_whose_queue_entry_was_lost_is_queued_again_and_paid()
    {
        // The entry vanishes before any worker read it: the failure seckill systems call "lost between Redis and the MQ".
        var (sale, claimId, entry) = await AdmitAndLoseTheEntryAsync(stock: 3, "lost-entry");
        // Only the pool's record knows the claim now (its time kept relative to the sale's start): read back whole.
        var admittedAt = (await QueueEntry.ReadAsync(app.Redis, new SaleKeys(sale.SaleId), [entry]))[0]!.AdmittedAt.UtcDateTime;
        var pending = await app.Storefront.GetClaimAsync(sale.SaleId, claimId);
        Assert.Equal((claimId, "lost-entry", "admitted", admittedAt), (pending.ClaimId, pending.UserId, pending.Status, pending.UpdatedAt));
        await app.ActiveSales.AddAsync(sale.SaleId);

        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "paid",
            TimeSpan.FromSeconds(30), "the reconciler queued the claim again and the worker got it paid");
        Assert.Equal(admittedAt, await AdmittedAtInPostgresAsync(claimId));

        // The repair is logged just after the entry is queued again, so it can trail the payment by a moment.
        await Eventually.True(async () => (await ReportAsync(sale.SaleId)).Repairs.Any(r => r.Kind == "requeued" && r.ClaimId == claimId),
            TimeSpan.FromSeconds(10), "the report lists the requeue");
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal((1, 2), (ledger.PaidUnits, ledger.RedisRemaining));
    }

    [Fact]
    public async Task A_confirmed_claim_never_charged_expires_after_the_reservation_time_and_its_stock_returns()
    {
        var (sale, claimId, entry) = await AdmitAndLoseTheEntryAsync(stock: 2, "stuck-confirmed");
        // Confirmed with no payment attempt on record (a row written before the worker marked the attempt with the
        // confirm), and its queue entry lost.
        var confirmer = (ClaimConfirmer)app.Services.GetService(typeof(ClaimConfirmer))!;
        await confirmer.ConfirmAsync(sale.SaleId, [(await QueueEntry.ReadAsync(app.Redis, new SaleKeys(sale.SaleId), [entry]))[0]!], CancellationToken.None);
        await using (var conn = await app.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE claims SET payment_attempted_at = NULL WHERE claim_id = @claimId", new { claimId });
        await app.ActiveSales.AddAsync(sale.SaleId);
        Assert.Equal("confirmed", (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status);

        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "expired",
            TimeSpan.FromSeconds(30), "the reservation expired");

        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { Remaining: 2, Sold: 0 },
            TimeSpan.FromSeconds(10), "its unit is back in Redis and PostgreSQL");
        // The repair is logged after the unit is back in Redis, so the report may show it a moment after the counts.
        await Eventually.True(async () => (await ReportAsync(sale.SaleId)).Repairs.Any(r => r.Kind == "expired" && r.ClaimId == claimId),
            TimeSpan.FromSeconds(10), "the report lists the repair");
        Assert.True((await ReportAsync(sale.SaleId)).Balanced);
        // The returned unit sells again.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "next-buyer")).StatusCode);
    }

    [Fact]
    public async Task Drift_between_redis_and_postgres_is_repaired_from_postgres_once_nothing_is_in_flight()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        var claimId = await AdmitAsync(sale.SaleId, "drift-buyer");
        await Eventually.True(async () => (await app.Storefront.GetClaimAsync(sale.SaleId, claimId)).Status == "paid",
            TimeSpan.FromSeconds(30), "paid");
        var keys = new SaleKeys(sale.SaleId);
        // Redis loses two units (a bad restore, a manual edit): PostgreSQL still says 4 are left.
        await app.Redis.StringDecrementAsync(keys.Remaining, 2);

        await Eventually.True(async () => (int)await app.Redis.StringGetAsync(keys.Remaining) == 4,
            TimeSpan.FromSeconds(30), "Redis remaining repaired from PostgreSQL");

        // The repair is logged after Redis is set, so the report may show it a moment after the count.
        await Eventually.True(async () => (await ReportAsync(sale.SaleId)).Repairs.Any(r => r.Kind == "drift_repaired" && r.Units == 2),
            TimeSpan.FromSeconds(10), "the report lists the drift repair");
        Assert.True((await ReportAsync(sale.SaleId)).Balanced);
    }

    [Fact]
    public async Task Closing_a_sale_stops_admitting_and_its_report_balances_to_zero()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 4);
        foreach (var (user, card) in new[] { ("close-1", "pm_card_visa"), ("close-2", "pm_card_chargeDeclined"), ("close-3", "pm_card_visa") })
            Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, user, card)).StatusCode);
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { Paid: 2, PaymentFailed: 1 },
            TimeSpan.FromSeconds(30), "settled");

        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(sale.SaleId, "close")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Storefront.ClaimAsync(sale.SaleId, "too-late")).StatusCode);

        var report = await ReportAsync(sale.SaleId);
        Assert.Equal("closed", report.Status);
        Assert.True(report.Balanced);
        Assert.Equal(new Terms(4, 2, 2, 0, 0), report.Postgres);
        Assert.Equal(new Terms(4, 2, 2, 0, 0), report.Redis);
        Assert.Empty(report.Anomalies);
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    /// <summary>
    /// A claim admitted while no worker polls its sale, whose queue entry is then deleted. A worker whose receive was
    /// already under way may still have read it first (it is then in the group's pending list): that sale is of no
    /// use, and another is made.
    /// </summary>
    private async Task<(SaleView Sale, string ClaimId, StreamEntry Entry)> AdmitAndLoseTheEntryAsync(int stock, string user)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var sale = await app.Admin.LiveSaleAsync(stock);
            var keys = new SaleKeys(sale.SaleId);
            await app.ActiveSales.RemoveAsync(sale.SaleId);
            var claimId = await AdmitAsync(sale.SaleId, user);
            var entry = Assert.Single(await app.Redis.StreamRangeAsync(keys.Queue));
            await app.Redis.StreamDeleteAsync(keys.Queue, [entry.Id]);
            var read = await app.Redis.StreamPendingMessagesAsync(keys.Queue, new QueueOptions().ConsumerGroup, 1, RedisValue.Null, entry.Id, entry.Id);
            if (read.Length == 0) return (sale, claimId, entry);
        }
        throw new InvalidOperationException("A worker read the queue entry before it could be deleted, five sales running");
    }

    private async Task<string> AdmitAsync(string saleId, string user)
    {
        var response = await app.Storefront.ClaimAsync(saleId, user);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
    }

    private async Task<DateTime> AdmittedAtInPostgresAsync(string claimId)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        await using var select = conn.CreateCommand();
        select.CommandText = "SELECT admitted_at FROM claims WHERE claim_id = @claim";
        select.Parameters.AddWithValue("claim", claimId);
        return (DateTime)(await select.ExecuteScalarAsync())!;
    }

    private async Task<Report> ReportAsync(string saleId) =>
        (await app.Admin.Http.GetFromJsonAsync<Report>($"/admin/sales/{saleId}/report", FlashSaleClient.Json))!;

    private sealed record Report(string SaleId, string Status, string Equation, Terms Postgres, Terms? Redis, bool Balanced,
        string[] Anomalies, RepairView[] Repairs);

    private sealed record Terms(int Stock, int Paid, int Remaining, int InFlight, int Balance);

    private sealed record RepairView(string Kind, string? ClaimId, int Units, string Detail, DateTime At);
}

[Collection(ServiceCollection.Name)]
public sealed class ReconcilerTestsOnSingleNode(ServiceFixture app) : ReconcilerTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class ReconcilerTestsOnCluster(ClusterServiceFixture app) : ReconcilerTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class ReconcilerTestsBehindSentinels(SentinelServiceFixture app) : ReconcilerTests(app);
