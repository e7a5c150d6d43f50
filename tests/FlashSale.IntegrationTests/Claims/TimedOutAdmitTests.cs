using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Pool;
using StackExchange.Redis;

namespace FlashSale.IntegrationTests.Claims;

/// <summary>
/// Redis answering too late after the admit script was sent: the script may have run (here it does, once Redis
/// resumes), so the 503 says the claim may have been admitted, and the buyer's retry gets that claim, never a
/// second one. One node only, and a redis-server of the test's own: CLIENT PAUSE holds every client of a server,
/// which on the shared servers would stall every other test.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class TimedOutAdmitTests
{
    [Fact]
    public async Task A_buyer_told_503_after_a_timed_out_admit_gets_the_claim_Redis_did_admit_when_they_retry()
    {
        using var server = new PrivateRedisServer();
        server.Start();
        await using var admin = await ConnectAsync(server.Address);
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?>
        {
            // The edge gives up on Redis after 300 ms instead of the default 5 s.
            ["FlashSale:Redis:Configuration"] = $"{server.Address},asyncTimeout=300",
        });
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        // The edge reads a sale's layout (how many pools, Pool/SalePools.cs) on its first claim for it: one buyer
        // first, so what the pause below catches is the admit itself.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "early-buyer")).StatusCode);

        // Redis holds every write (EVALSHA included) for 2 s, then runs them.
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "PAUSE", "2000", "WRITE");
        var timedOut = await app.Storefront.ClaimAsync(sale.SaleId, "late-buyer");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, timedOut.StatusCode);
        Assert.Equal("application/problem+json", timedOut.Content.Headers.ContentType?.MediaType);
        Assert.True(timedOut.Headers.RetryAfter is not null, "a 503 says when to retry");
        var problem = await timedOut.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("dependency_unavailable", problem.GetProperty("code").GetString());
        Assert.Contains("may have been admitted", problem.GetProperty("detail").GetString());

        // Once Redis resumes it runs the admit it held, and the buyer's retry is answered with that claim.
        await Eventually.True(async () => await admin.GetDatabase().HashLengthAsync(new SaleKeys(sale.SaleId).Claims) == 2,
            TimeSpan.FromSeconds(15), "Redis runs the admit it held");
        var retry = await app.Storefront.ClaimAsync(sale.SaleId, "late-buyer");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var claimId = (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("claimId").GetString()!;

        // One claim, one unit for the late buyer: the timed-out admit was the one that ran.
        await Eventually.True(async () => (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!.Paid == 2, TimeSpan.FromSeconds(30), "the claims are paid");
        var counts = (await app.Admin.GetSaleAsync(sale.SaleId)).Counts!;
        Assert.Equal((2, 3), (counts.Sold, counts.Remaining));
        var claims = await OrderStream.ClaimsAsync(app.Db, sale.SaleId);
        Assert.Equal(2, claims.Count);
        Assert.Contains(claimId, claims.Keys);
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(string address)
    {
        var options = ConfigurationOptions.Parse(address);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = false;
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        await Eventually.True(async () =>
        {
            try { await redis.GetDatabase().PingAsync(); return true; }
            catch (RedisException) { return false; }
        }, TimeSpan.FromSeconds(10), "the private redis-server answers");
        return redis;
    }
}
