using System.Net;
using FlashSale.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Failover;

/// <summary>What every failover test checks of the buyers' answers and of the sale afterwards.</summary>
public static class FailoverAudit
{
    /// <summary>Every request was answered: a claim (202 or its replay 200), or 503 dependency_unavailable with Retry-After.</summary>
    public static void AssertEveryRequestAnswered(Buyers buyers)
    {
        Assert.All(buyers.Answers, a =>
        {
            Assert.NotNull(a.Status);
            if (a.Status == HttpStatusCode.ServiceUnavailable) Assert.Equal(("dependency_unavailable", true), (a.Code, a.RetryAfter));
            else Assert.Contains(a.Status, new HttpStatusCode?[] { HttpStatusCode.Accepted, HttpStatusCode.OK });
        });
    }

    /// <summary>Every claim a buyer was told about is paid, none forgotten or rejected, and the sale balances.</summary>
    public static async Task AssertNothingForgottenAsync(IsolatedService app, string saleId, Buyers buyers)
    {
        var told = buyers.Answers.Where(a => a.Status is HttpStatusCode.Accepted or HttpStatusCode.OK).Select(a => a.ClaimId!).ToHashSet();
        await Eventually.True(async () =>
        {
            foreach (var claimId in told)
                if (await app.Storefront.ClaimStatusAsync(saleId, claimId) != "paid") return false;
            return true;
        }, TimeSpan.FromSeconds(90), "every claim a buyer was told about is paid");
        var ledger = await new InvariantAudit(app.Db, app.Redis).AssertSettledAsync(saleId);
        Assert.Equal(told.Count, ledger.Claims.Count(c => c.Status == "paid"));
    }

    /// <summary>Seconds from the kill to the first claim admitted after it, and the slowest answers.</summary>
    public static double Report(Buyers buyers, TimeSpan killedAt, TimeSpan promotedAt, TimeSpan restoredAt, string what, ITestOutputHelper output)
    {
        var firstAfter = buyers.Answers.Where(a => a.Status == HttpStatusCode.Accepted && a.SentAt >= killedAt).Min(a => a.SentAt + a.Took);
        var window = (firstAfter - killedAt).TotalSeconds;
        var unavailable = buyers.Answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable);
        output.WriteLine($"{what}: first 202 {window:0.00} s after the kill; {buyers.Answers.Count} requests, {unavailable} answered 503, " +
                         $"slowest answer {buyers.Answers.Max(a => a.Took).TotalMilliseconds:0} ms; promoted {(promotedAt - killedAt).TotalSeconds:0.00} s " +
                         $"after the kill, the old primary back as a replica {(restoredAt - killedAt).TotalSeconds:0.00} s after it");
        foreach (var slow in buyers.Answers.OrderByDescending(a => a.Took).Take(3))
            output.WriteLine($"  slow: sent {(slow.SentAt - killedAt).TotalSeconds:0.00} s after the kill, {slow.Took.TotalMilliseconds:0} ms, {(int?)slow.Status} {slow.Code}");
        return window;
    }
}
