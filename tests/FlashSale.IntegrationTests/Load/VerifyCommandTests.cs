using System.Net.Http.Json;
using System.Text.Json;
using System.Web;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.WaitingRoom;
using FlashSale.Load.Cli;
using FlashSale.Load.Fairness;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;
using Xunit.Abstractions;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// <c>FlashSale.Load verify</c> on a real waiting-room sale: not verifiable before the start, verified after it; and
/// the same sale's fairness served back by a fake with the order or the seed tampered with fails with exit code 27.
/// </summary>
public abstract class VerifyCommandTests(ServiceFixture app, ITestOutputHelper output)
{
    private async Task<(int Code, string Output)> VerifyAsync(Uri url, string saleId)
    {
        var writer = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var code = await VerifyCommand.MainAsync(["--url", url.ToString(), "--sale", saleId, "--storefront-key", ServiceFixture.StorefrontKey], writer, timeout.Token);
        output.WriteLine($"verify exit {code}:\n{writer}");
        return (code, writer.ToString());
    }

    [Fact]
    public async Task Verify_fails_before_the_start_passes_after_it_and_fails_on_a_tampered_order_or_seed()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 10, startsIn: TimeSpan.FromSeconds(8), outflowPerMinute: 1);
        for (var i = 0; i < 30; i++) await QueueSteps.JoinAsync(app.Storefront, saleId, $"verify-{i}");
        var url = app.Admin.Http.BaseAddress!;

        var (early, earlyText) = await VerifyAsync(url, saleId);
        Assert.Equal(ExitCodes.NotRevealed, early);
        Assert.Contains("NOT VERIFIED YET", earlyText);

        var anonymous = app.NewClient(null);
        await Eventually.True(async () =>
            (await anonymous.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness")).GetProperty("seed").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(30), "the seed is revealed after the start");
        var (verified, text) = await VerifyAsync(url, saleId);
        Assert.True(verified == ExitCodes.Passed, text);
        Assert.Contains("order       30 tickets; sorted by hex SHA-256(seed || ticketId): yes", text);
        Assert.Contains("VERIFIED: the order is the shuffle the committed seed gives", text);

        // The same sale as a dishonest service would serve it.
        var fairness = await anonymous.Http.GetStringAsync($"/sales/{saleId}/fairness");
        var order = (await anonymous.Http.GetFromJsonAsync<JsonElement>($"/sales/{saleId}/fairness/order?limit=1000"))
            .GetProperty("tickets").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(30, order.Count);

        var swapped = order.ToList();
        (swapped[0], swapped[29]) = (swapped[29], swapped[0]);
        using (var fake = FakeFairness(saleId, fairness, swapped))
        {
            var (code, tampered) = await VerifyAsync(new Uri(fake.Url!), saleId);
            Assert.Equal(ExitCodes.FairnessBroken, code);
            Assert.Contains("2 of 30 positions differ from the order the seed gives, the first at position 1", tampered);
            Assert.Contains("NOT VERIFIED", tampered);
        }

        var seed = JsonDocument.Parse(fairness).RootElement.GetProperty("seed").GetString()!;
        var otherSeed = fairness.Replace(seed, (seed[0] == '0' ? "1" : "0") + seed[1..]);
        using (var fake = FakeFairness(saleId, otherSeed, order))
        {
            var (code, tampered) = await VerifyAsync(new Uri(fake.Url!), saleId);
            Assert.Equal(ExitCodes.FairnessBroken, code);
            Assert.Contains("SHA-256(seed) equals the commitment: NO", tampered);
        }
    }

    /// <summary>Serves the given fairness body and order, seven tickets a page, as the contract pages it.</summary>
    private static WireMockServer FakeFairness(string saleId, string fairness, IReadOnlyList<string> order)
    {
        var server = WireMockServer.Start();
        server.Given(Request.Create().WithPath($"/sales/{saleId}/fairness").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(fairness));
        server.Given(Request.Create().WithPath($"/sales/{saleId}/fairness/order").UsingGet())
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var after = HttpUtility.ParseQueryString(new Uri(request.AbsoluteUrl).Query)["after"];
                var start = after is null ? 0 : order.ToList().IndexOf(after) + 1;
                var page = order.Skip(start).Take(7).ToArray();
                var next = start + page.Length < order.Count ? page[^1] : null;
                var response = new ResponseMessage
                {
                    StatusCode = 200,
                    BodyData = new BodyData { BodyAsString = JsonSerializer.Serialize(new { tickets = page, next }), DetectedBodyType = BodyType.String },
                };
                response.AddHeader("Content-Type", "application/json");
                return response;
            }));
        return server;
    }
}

[Collection(ServiceCollection.Name)]
public sealed class VerifyCommandTestsOnSingleNode(ServiceFixture app, ITestOutputHelper output) : VerifyCommandTests(app, output);

[Collection(ClusterServiceCollection.Name)]
public sealed class VerifyCommandTestsOnCluster(ClusterServiceFixture app, ITestOutputHelper output) : VerifyCommandTests(app, output);

[Collection(SentinelServiceCollection.Name)]
public sealed class VerifyCommandTestsBehindSentinels(SentinelServiceFixture app, ITestOutputHelper output) : VerifyCommandTests(app, output);
