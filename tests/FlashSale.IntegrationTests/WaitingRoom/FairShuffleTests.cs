using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// The shuffle (CONTRACT.md, Waiting room; invariant 7): the commitment before the start, the seed after it, and the
/// order recomputed here from the seed and the contract's rule is the order served: in the listing and in positions.
/// </summary>
public abstract class FairShuffleTests(ServiceFixture app)
{
    [Fact]
    public async Task The_order_recomputed_from_the_revealed_seed_is_the_served_order()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 100, startsIn: TimeSpan.FromSeconds(6), outflowPerMinute: 1);
        var tickets = new Dictionary<string, string>();
        foreach (var user in Enumerable.Range(0, 25).Select(i => $"fair-{i}"))
            tickets[(await QueueSteps.JoinAsync(app.Storefront, saleId, user)).Ticket.TicketId] = user;
        var anonymous = app.NewClient(null);
        var before = await anonymous.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness");
        var commitment = before.GetProperty("commitment").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", commitment);
        Assert.Equal(JsonValueKind.Null, before.GetProperty("seed").ValueKind);
        await ProblemAssert.HasAsync(await anonymous.Http.GetAsync($"/sales/{saleId}/fairness/order"), HttpStatusCode.Conflict, "sale_not_started");

        string? seed = null;
        await Eventually.True(async () =>
            (seed = (await anonymous.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness")).GetProperty("seed").GetString()) is not null,
            TimeSpan.FromSeconds(20), "the seed is revealed after the start");
        var seedBytes = Convert.FromHexString(seed!);
        Assert.Equal(32, seedBytes.Length);
        Assert.Equal(commitment, Convert.ToHexStringLower(SHA256.HashData(seedBytes)));

        var expected = tickets.Keys
            .OrderBy(t => Convert.ToHexStringLower(SHA256.HashData([.. seedBytes, .. Encoding.UTF8.GetBytes(t)])), StringComparer.Ordinal).ToList();
        // The listing, a page of 7 at a time.
        var listed = new List<string>();
        string? after = null;
        do
        {
            var page = await anonymous.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness/order?limit=7" + (after is null ? "" : $"&after={after}"));
            listed.AddRange(page.GetProperty("tickets").EnumerateArray().Select(t => t.GetString()!));
            after = page.GetProperty("next").GetString();
        }
        while (after is not null);
        Assert.Equal(expected, listed);
        // The positions each ticket is told.
        var positions = new Dictionary<string, long>();
        foreach (var ticket in tickets.Keys) positions[ticket] = (await QueueSteps.PollAsync(app.Storefront, saleId, ticket)).Position!.Value;
        Assert.Equal(expected, positions.OrderBy(p => p.Value).Select(p => p.Key));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), positions.Values.Order());

        // A ticket taken after the start comes after the whole pre-queue.
        var (_, late) = await QueueSteps.JoinAsync(app.Storefront, saleId, "fair-late");
        Assert.Equal(26, late.Position);
        await ProblemAssert.InvalidAsync(await anonymous.Http.GetAsync($"/sales/{saleId}/fairness/order?after={late.TicketId}"), "after");
        await ProblemAssert.InvalidAsync(await anonymous.Http.GetAsync($"/sales/{saleId}/fairness/order?limit=1001"), "limit");
    }
}

[Collection(ServiceCollection.Name)]
public sealed class FairShuffleTestsOnSingleNode(ServiceFixture app) : FairShuffleTests(app);

[Collection(ClusterServiceCollection.Name)]
public sealed class FairShuffleTestsOnCluster(ClusterServiceFixture app) : FairShuffleTests(app);

[Collection(SentinelServiceCollection.Name)]
public sealed class FairShuffleTestsBehindSentinels(SentinelServiceFixture app) : FairShuffleTests(app);
