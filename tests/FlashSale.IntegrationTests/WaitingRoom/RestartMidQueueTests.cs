using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>
/// The seed, the shuffle and the line outlive the service: a restart before the start keeps the commitment (and the
/// order follows from the seed), a restart mid-queue changes no position.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class RestartMidQueueTests
{
    [Fact]
    public async Task A_restart_changes_neither_the_seed_nor_any_position()
    {
        await using var schema = await TestSchema.CreateAsync();
        string saleId, commitment;
        var tickets = new List<string>();
        await using (var before = await IsolatedService.StartAsync(schema: schema))
        {
            saleId = await QueueSteps.CreateAsync(before.Admin, stock: 50, startsIn: TimeSpan.FromSeconds(8), outflowPerMinute: 1);
            for (var i = 0; i < 12; i++) tickets.Add((await QueueSteps.JoinAsync(before.Storefront, saleId, $"restart-{i}")).Ticket.TicketId);
            commitment = (await before.Admin.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness")).GetProperty("commitment").GetString()!;
        }

        Dictionary<string, long?> positions;
        await using (var after = await IsolatedService.StartAsync(schema: schema))
        {
            var fairness = await ShuffledAsync(after, saleId);
            Assert.Equal(commitment, fairness.GetProperty("commitment").GetString());
            var seed = Convert.FromHexString(fairness.GetProperty("seed").GetString()!);
            positions = await PositionsAsync(after, saleId, tickets);
            var expected = tickets.OrderBy(t => Convert.ToHexStringLower(SHA256.HashData([.. seed, .. Encoding.UTF8.GetBytes(t)])), StringComparer.Ordinal);
            Assert.Equal(expected, positions.OrderBy(p => p.Value).Select(p => p.Key));
        }

        await using var again = await IsolatedService.StartAsync(schema: schema);
        Assert.Equal(positions, await PositionsAsync(again, saleId, tickets));
        Assert.Equal(commitment, (await ShuffledAsync(again, saleId)).GetProperty("commitment").GetString());
        await schema.ForgetSalesAsync(again.Get<StackExchange.Redis.IConnectionMultiplexer>());
    }

    private static async Task<JsonElement> ShuffledAsync(IsolatedService host, string saleId)
    {
        JsonElement fairness = default;
        await Eventually.True(async () =>
            (fairness = await host.Admin.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness")).GetProperty("seed").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(30), "the pre-queue is shuffled and the seed revealed");
        return fairness;
    }

    private static async Task<Dictionary<string, long?>> PositionsAsync(IsolatedService host, string saleId, List<string> tickets)
    {
        var positions = new Dictionary<string, long?>();
        foreach (var ticket in tickets) positions[ticket] = (await QueueSteps.PollAsync(host.Storefront, saleId, ticket)).Position;
        Assert.All(positions.Values, p => Assert.NotNull(p));
        return positions;
    }
}
