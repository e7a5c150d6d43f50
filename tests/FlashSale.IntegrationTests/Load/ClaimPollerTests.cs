using System.Diagnostics;
using System.Net.Http.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Load.Api;
using FlashSale.Load.Traffic;

namespace FlashSale.IntegrationTests.Load;

/// <summary>
/// The winners' claim polling (<c>--poll-claim</c>) against the real service: one poll loop for every buyer, a claim
/// polled until it ends and never after, and a claim that stays pending polled less and less often until the buyer gives up.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class ClaimPollerTests(ServiceFixture app)
{
    [Fact]
    public async Task A_paid_claim_is_seen_paid_and_left_alone_and_a_claim_still_held_is_polled_with_backoff_until_the_buyer_gives_up()
    {
        var immediate = await app.Admin.LiveSaleAsync(5);
        var paid = await (await app.Storefront.ClaimAsync(immediate.SaleId, "poller-paid")).Content.ReadFromJsonAsync<ClaimAccepted>(FlashSaleClient.Json);
        var hold = await app.Admin.LiveSaleAsync(5, checkout: Checkout.Hold(600));
        // Nobody checks out: the claim stays held for ten minutes, far past the buyer's patience.
        var held = await (await app.Storefront.HoldAsync(hold.SaleId, "poller-held")).Content.ReadFromJsonAsync<HoldAccepted>(FlashSaleClient.Json);

        using var api = new FlashSaleApi(app.Admin.Http.BaseAddress!, ServiceFixture.AdminKey, ServiceFixture.StorefrontKey, 8, TimeSpan.FromSeconds(30));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var every = TimeSpan.FromMilliseconds(100);
        var poller = new ClaimPoller(api, every, giveUpAfter: TimeSpan.FromSeconds(10), deadline.Token);
        var clicked = Stopwatch.GetTimestamp();
        poller.Follow(immediate.SaleId, paid!.ClaimId, clicked);
        poller.Follow(hold.SaleId, held!.ClaimId, clicked);
        await poller.DrainAsync(deadline.Token);

        var figures = poller.Figures();
        Assert.Equal(0, figures.PollErrors);
        Assert.Equal(1, figures.Endings.GetValueOrDefault("paid"));
        Assert.Equal(1, figures.Endings.GetValueOrDefault("still held when the buyer gave up"));
        Assert.Equal(1, figures.ClickToPaid.TotalCount);
        // Every 100 ms for 10 s would be 100 polls of the held claim alone; backing off (x1.5, up to 4 intervals) makes
        // it under 30 however fast the service answers, and a slow one only makes fewer still.
        Assert.InRange(figures.Polls, 3, 40);
    }
}
