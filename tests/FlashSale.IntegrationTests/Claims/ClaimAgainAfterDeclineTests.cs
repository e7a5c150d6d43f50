using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using FlashSale.Core;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using FlashSale.Service.Sales;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>
/// Claiming again after a declined card (CONTRACT.md, "Hold, then pay", last bullet): in an immediate sale a buyer
/// whose claim ended payment_failed gets a new claim (202, stock taken like a first claim) up to maxPaymentAttempts
/// claims; every other repeat is a replay of their latest claim: while it is in flight, once it is paid, once the
/// attempts are used up, and always in a hold sale.
/// </summary>
public abstract class ClaimAgainAfterDeclineTests(ServiceFixture app, ITestOutputHelper output)
{
    private const string Declined = "pm_card_chargeDeclined";
    private const string Visa = "pm_card_visa";

    [Fact]
    public async Task A_declined_buyer_claims_again_with_another_card_and_pays()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2);
        var first = await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "again-1", Declined));
        await SettledAsync(sale.SaleId, paymentFailed: 1, paid: 0, remaining: 2);
        Assert.Equal("generic_decline", (await app.Storefront.GetClaimAsync(sale.SaleId, first)).FailureReason);

        var retry = await app.Storefront.ClaimAsync(sale.SaleId, "again-1", Visa);
        var second = await AcceptedAsync(retry);
        Assert.NotEqual(first, second);
        Assert.Equal(1, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);
        await SettledAsync(sale.SaleId, paymentFailed: 1, paid: 1, remaining: 1);

        Assert.Equal("payment_failed", (await app.Storefront.GetClaimAsync(sale.SaleId, first)).Status);
        Assert.NotNull((await app.Storefront.GetClaimAsync(sale.SaleId, second)).OrderId);
        Assert.Equal((second, "paid"), await ReplayAsync(await app.Storefront.ClaimAsync(sale.SaleId, "again-1", Visa)));
        Assert.Equal(new CountsView(Stock: 2, Remaining: 1, Admitted: 2, Confirmed: 2, Paid: 1, PaymentFailed: 1,
            Released: 1, Rejected: 0, InFlight: 0, Sold: 1), (await app.Admin.GetSaleAsync(sale.SaleId)).Counts);
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal(["declined", "succeeded"], ledger.Charges.OrderBy(c => c.Outcome).Select(c => c.Outcome));
    }

    [Fact]
    public async Task With_the_attempts_used_up_a_repeat_replays_the_latest_failed_claim_and_takes_nothing()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3, checkout: Checkout.Immediate(maxPaymentAttempts: 2));
        await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "twice", Declined));
        await SettledAsync(sale.SaleId, paymentFailed: 1, paid: 0, remaining: 3);
        var second = await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "twice", Declined));
        await SettledAsync(sale.SaleId, paymentFailed: 2, paid: 0, remaining: 3);

        Assert.Equal((second, "payment_failed"), await ReplayAsync(await app.Storefront.ClaimAsync(sale.SaleId, "twice", Visa)));

        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((3, 2, 0), (counts.Remaining, counts.Admitted, counts.Sold));
        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        Assert.Equal(2, ledger.Claims.Count);
    }

    [Fact]
    public async Task A_repeat_while_the_claim_is_in_flight_or_paid_is_a_replay()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3);
        // No worker reads the sale's queue for now: its claims stay admitted, in flight.
        await app.ActiveSales.RemoveAsync(sale.SaleId);
        var waiting = await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "in-flight", Declined));
        Assert.Equal((waiting, "admitted"), await ReplayAsync(await app.Storefront.ClaimAsync(sale.SaleId, "in-flight", Visa)));
        var paying = await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "paying", Visa));

        await app.ActiveSales.AddAsync(sale.SaleId);
        await SettledAsync(sale.SaleId, paymentFailed: 1, paid: 1, remaining: 2);
        Assert.Equal((paying, "paid"), await ReplayAsync(await app.Storefront.ClaimAsync(sale.SaleId, "paying", Visa)));
        // The declined one was a replay while in flight, and may claim again only now.
        Assert.NotEqual(waiting, await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "in-flight", Visa)));
        await SettledAsync(sale.SaleId, paymentFailed: 1, paid: 2, remaining: 1);
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    [Fact]
    public async Task A_hold_sale_is_unchanged_its_failed_claim_is_replayed()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 2, checkout: Checkout.Hold(maxPaymentAttempts: 1));
        var held = (await (await app.Storefront.HoldAsync(sale.SaleId, "holder")).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json))!.ClaimId;
        await Eventually.True(async () => (await InvariantAudit.For(app).ReadAsync(sale.SaleId)).Claims.Count == 1,
            TimeSpan.FromSeconds(15), "the worker recorded the hold");
        Assert.Equal(HttpStatusCode.Accepted,
            (await app.Storefront.PostJsonAsync($"/sales/{sale.SaleId}/claims/{held}/checkout", new { paymentMethodId = Declined })).StatusCode);
        await SettledAsync(sale.SaleId, paymentFailed: 1, paid: 0, remaining: 2);

        Assert.Equal((held, "payment_failed"), await ReplayAsync(await app.Storefront.HoldAsync(sale.SaleId, "holder")));
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    [Fact]
    public async Task A_pool_rebuilt_from_postgres_keeps_each_buyers_latest_claim_and_count()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 3);
        await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "rebuilt-1", Declined));
        await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "rebuilt-2", Declined));
        await SettledAsync(sale.SaleId, paymentFailed: 2, paid: 0, remaining: 3);
        var second = await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "rebuilt-2", Declined));
        await SettledAsync(sale.SaleId, paymentFailed: 3, paid: 0, remaining: 3);

        // Redis lost the pool (a flush, a failover to an empty replica): built again, then healed from PostgreSQL.
        await app.Redis.KeyDeleteAsync(new SaleKeys(sale.SaleId).All);
        var row = (await app.Services.GetRequiredService<SaleStore>().GetAsync(sale.SaleId, CancellationToken.None))!;
        await app.Services.GetRequiredService<SalePool>().PreloadAsync(row);
        await app.Services.GetRequiredService<PoolHealer>().HealAsync(row, CancellationToken.None);

        Assert.Equal(new DedupeToken(second, 2, Failed: true), DedupeToken.Parse(await app.Redis.HashGetAsync(new SaleKeys(sale.SaleId).Users, "rebuilt-2")));
        Assert.Equal(3, (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Remaining);
        await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "rebuilt-1", Visa));
        var third = await AcceptedAsync(await app.Storefront.ClaimAsync(sale.SaleId, "rebuilt-2", Declined));
        await SettledAsync(sale.SaleId, paymentFailed: 4, paid: 1, remaining: 2);
        // Its third claim was its last: the count survived the rebuild.
        Assert.Equal((third, "payment_failed"), await ReplayAsync(await app.Storefront.ClaimAsync(sale.SaleId, "rebuilt-2", Visa)));
        await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
    }

    [Fact]
    public async Task Buyers_racing_retries_after_declines_never_oversell_and_hold_one_live_claim_each()
    {
        const int Stock = 8, Buyers = 40, Racing = 4;
        var sale = await app.Admin.LiveSaleAsync(stock: Stock);
        var buyers = Enumerable.Range(0, Buyers).Select(i => $"racer-{i}").ToArray();
        var admitted = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        foreach (var buyer in buyers) admitted[buyer] = [];

        for (var round = 0; round < 6; round++)
        {
            // Buyer i pays with a declining card for its first 1 + i % 2 claims, then with a good one: every unit comes
            // back at least once, and the buyers race for it again.
            await Parallel.ForEachAsync(buyers, new ParallelOptions { MaxDegreeOfParallelism = 48 / Racing }, async (buyer, _) =>
            {
                var card = admitted[buyer].Count < 1 + int.Parse(buyer["racer-".Length..]) % 2 ? Declined : Visa;
                var answers = await Task.WhenAll(Enumerable.Range(0, Racing).Select(_ => app.Storefront.ClaimAsync(sale.SaleId, buyer, card)));
                foreach (var answer in answers.Where(a => a.StatusCode == HttpStatusCode.Accepted))
                    admitted[buyer].Add((await answer.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId);
                Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests }));
            });
            await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts is { InFlight: 0 } c && c.Remaining == Stock - c.Paid,
                TimeSpan.FromSeconds(30), "the round's claims settled");
            // The per-user bucket refills (2 a second) before the next round races again.
            await Task.Delay(TimeSpan.FromSeconds(Racing / 2.0));
        }

        var ledger = await InvariantAudit.For(app).AssertSettledAsync(sale.SaleId);
        output.WriteLine($"{ledger.Claims.Count} claims by {admitted.Count(a => !a.Value.IsEmpty)} buyers, " +
            $"{ledger.Claims.Count(c => c.Status == ClaimStatus.PaymentFailed)} failed, {admitted.Count(a => a.Value.Count > 1)} buyers claimed again");
        Assert.Equal(Stock, ledger.PaidUnits);
        Assert.Equal(admitted.Values.Sum(a => a.Count), ledger.Claims.Count);
        Assert.All(admitted, a => Assert.Equal(a.Value.Count, a.Value.Distinct().Count()));
        Assert.All(admitted, a => Assert.InRange(a.Value.Count, 0, SaleRules.DefaultMaxPaymentAttempts));
        Assert.All(ledger.Claims.Where(c => c.Status == ClaimStatus.Paid).GroupBy(c => c.UserId), g => Assert.Single(g));
        Assert.True(admitted.Count(a => a.Value.Count > 1) > 0, "some buyers claimed again after a decline");
    }

    private static async Task<string> AcceptedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
    }

    private static async Task<(string ClaimId, string Status)> ReplayAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var claim = (await response.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!;
        return (claim.ClaimId, claim.Status);
    }

    // Remaining is Redis's count, given back in the script that marks a failed buyer free to claim again.
    private async Task SettledAsync(string saleId, int paymentFailed, int paid, int remaining)
    {
        CountsView? counts = null;
        await Eventually.True(async () => (counts = (await app.Admin.GetSaleAsync(saleId)).Counts) is { InFlight: 0 } c
                && (c.PaymentFailed, c.Paid, c.Remaining) == (paymentFailed, paid, remaining),
            TimeSpan.FromSeconds(30), () => $"counts {counts}", $"{paymentFailed} failed, {paid} paid, {remaining} left");
    }
}

[Collection(Infrastructure.ServiceCollection.Name)]
public sealed class ClaimAgainAfterDeclineTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : ClaimAgainAfterDeclineTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class ClaimAgainAfterDeclineTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : ClaimAgainAfterDeclineTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class ClaimAgainAfterDeclineTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : ClaimAgainAfterDeclineTests(app, output);
