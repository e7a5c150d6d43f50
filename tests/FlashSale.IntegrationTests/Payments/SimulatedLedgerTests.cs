using Dapper;
using FlashSale.Core;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Payments;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>
/// The simulated gateway writes its ledger in groups; each charge must still get its own answer, a key seen
/// before must get the first answer, and every attempt must be counted, also when a retry shares a write with
/// its first attempt.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class SimulatedLedgerTests
{
    [Fact]
    public async Task A_thousand_concurrent_charges_with_repeated_keys_are_each_recorded_once_with_every_attempt_counted()
    {
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>());
        var gateway = app.Get<SimulatedGateway>();
        var saleId = Ids.NewSaleId();
        // 600 claims; the first 200 are charged three times at once, the next 200 twice; a fifth of them decline.
        var claims = Enumerable.Range(0, 600).Select(i => (ClaimId: Ids.NewClaimId(), Method: i % 5 == 0 ? "pm_card_chargeDeclined" : "pm_card_visa")).ToList();
        var calls = claims.SelectMany((c, i) => Enumerable.Repeat(c, i < 200 ? 3 : i < 400 ? 2 : 1)).OrderBy(_ => Random.Shared.Next()).ToList();

        var results = await Task.WhenAll(calls.Select(async c =>
            (c.ClaimId, Result: await gateway.ChargeAsync(ChargeRequest.For(c.ClaimId, saleId, 1, c.Method, 2500, "usd"), CancellationToken.None))));

        Assert.Equal(1200, results.Length);
        foreach (var answers in results.GroupBy(r => r.ClaimId))
        {
            // Every attempt of one key got the same answer: the same payment, or the same decline.
            Assert.Single(answers.Select(a => (a.Result.Outcome, a.Result.PaymentId, a.Result.DeclineCode)).Distinct());
        }
        Assert.Equal(480, results.Where(r => r.Result.Outcome == ChargeOutcome.Succeeded).Select(r => r.ClaimId).Distinct().Count());
        Assert.Equal(120, results.Where(r => r.Result.Outcome == ChargeOutcome.Declined).Select(r => r.ClaimId).Distinct().Count());

        await using var conn = await app.Db.OpenConnectionAsync();
        var ledger = (await conn.QueryAsync<(string Key, string PaymentId, int Attempts)>(
            "SELECT idempotency_key, payment_id, attempts FROM simulated_charges WHERE idempotency_key = ANY(@keys)",
            new { keys = claims.Select(c => ChargeRequest.IdempotencyKeyFor(c.ClaimId)).ToArray() })).ToDictionary(r => r.Key);
        Assert.Equal(600, ledger.Count);
        for (var i = 0; i < claims.Count; i++)
        {
            var row = ledger[ChargeRequest.IdempotencyKeyFor(claims[i].ClaimId)];
            Assert.Equal(i < 200 ? 3 : i < 400 ? 2 : 1, row.Attempts);
            var answer = results.First(r => r.ClaimId == claims[i].ClaimId).Result;
            if (answer.Outcome == ChargeOutcome.Succeeded) Assert.Equal(row.PaymentId, answer.PaymentId);
        }

        // A later charge with a known key gets the stored answer and is counted, not charged again.
        var again = await gateway.ChargeAsync(ChargeRequest.For(claims[1].ClaimId, saleId, 1, "pm_card_visa", 2500, "usd"), CancellationToken.None);
        Assert.Equal(ledger[ChargeRequest.IdempotencyKeyFor(claims[1].ClaimId)].PaymentId, again.PaymentId);
        Assert.Equal(4, await conn.ExecuteScalarAsync<int>("SELECT attempts FROM simulated_charges WHERE idempotency_key = @key",
            new { key = ChargeRequest.IdempotencyKeyFor(claims[1].ClaimId) }));
    }
}
