using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// Claims on a waiting-room sale (CONTRACT.md, Waiting room; invariant 7): none without a token, none with another
/// user's or another sale's, one per token; every refusal changes nothing.
/// </summary>
public abstract class AdmissionTokenTests(ServiceFixture app)
{
    [Fact]
    public async Task No_claim_without_a_token_with_another_users_or_twice_with_one()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 10);
        var alice = await QueueSteps.AdmittedAsync(app.Storefront, saleId, (await QueueSteps.JoinAsync(app.Storefront, saleId, "alice")).Ticket.TicketId);
        var bob = await QueueSteps.AdmittedAsync(app.Storefront, saleId, (await QueueSteps.JoinAsync(app.Storefront, saleId, "bob")).Ticket.TicketId);
        Assert.NotNull(alice.AdmissionToken);
        Assert.True(alice.TokenExpiresAt > DateTime.UtcNow);
        var otherSale = await QueueSteps.CreateAsync(app.Admin, stock: 10);
        var carol = await QueueSteps.AdmittedAsync(app.Storefront, otherSale, (await QueueSteps.JoinAsync(app.Storefront, otherSale, "carol")).Ticket.TicketId);

        await ProblemAssert.HasAsync(await QueueSteps.ClaimAsync(app.Storefront, saleId, "alice", null), HttpStatusCode.Forbidden, "admission_required");
        await ProblemAssert.HasAsync(await QueueSteps.ClaimAsync(app.Storefront, saleId, "alice", bob.AdmissionToken), HttpStatusCode.Forbidden, "admission_invalid");
        await ProblemAssert.HasAsync(await QueueSteps.ClaimAsync(app.Storefront, saleId, "carol", carol.AdmissionToken), HttpStatusCode.Forbidden, "admission_invalid");
        await ProblemAssert.HasAsync(await QueueSteps.ClaimAsync(app.Storefront, saleId, "alice", alice.AdmissionToken![..^4] + "AAAA"), HttpStatusCode.Forbidden, "admission_invalid");
        // (Another user: a buyer's own burst of claims is limited to five.)
        await ProblemAssert.HasAsync(await QueueSteps.ClaimAsync(app.Storefront, saleId, "frank", "not-a-token"), HttpStatusCode.Forbidden, "admission_invalid");
        Assert.Equal((10, 0, 0), await CountsAsync(saleId));

        var claimed = await QueueSteps.ClaimAsync(app.Storefront, saleId, "alice", alice.AdmissionToken);
        Assert.Equal(HttpStatusCode.Accepted, claimed.StatusCode);
        var claimId = (await claimed.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId;
        // Her retry is the same claim; the used token takes nothing more, for her or anyone.
        var retried = await QueueSteps.ClaimAsync(app.Storefront, saleId, "alice", alice.AdmissionToken);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(claimId, (await retried.Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json))!.ClaimId);
        await ProblemAssert.HasAsync(await QueueSteps.ClaimAsync(app.Storefront, saleId, "bob", alice.AdmissionToken), HttpStatusCode.Forbidden, "admission_invalid");
        Assert.Equal((9, 1, 1), await CountsAsync(saleId));
        Assert.Equal("used", (await QueueSteps.PollAsync(app.Storefront, saleId, alice.TicketId)).Status);
    }

    [Fact]
    public async Task Racing_claims_with_one_token_take_one_unit()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 10);
        var dave = await QueueSteps.AdmittedAsync(app.Storefront, saleId, (await QueueSteps.JoinAsync(app.Storefront, saleId, "dave")).Ticket.TicketId);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => QueueSteps.ClaimAsync(app.Storefront, saleId, "dave", dave.AdmissionToken)));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        // The rest are replays of that claim, or the buyer's burst limit.
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{a.StatusCode}"));
        Assert.Equal((9, 1, 1), await CountsAsync(saleId));
    }

    private async Task<(int Remaining, int Admitted, int QueueUsed)> CountsAsync(string saleId)
    {
        var counts = (await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}")).GetProperty("counts");
        return (counts.GetProperty("remaining").GetInt32(), counts.GetProperty("admitted").GetInt32(), counts.GetProperty("queueUsed").GetInt32());
    }
}

[Collection(ServiceCollection.Name)]
public sealed class AdmissionTokenTestsOnSingleNode(ServiceFixture app) : AdmissionTokenTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class AdmissionTokenTestsOnCluster(ClusterServiceFixture app) : AdmissionTokenTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class AdmissionTokenTestsBehindSentinels(SentinelServiceFixture app) : AdmissionTokenTests(app);
