using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Holds;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Webhooks;

/// <summary>
/// An endpoint that fails every delivery for all of <c>FlashSale:Webhooks:RetryFor</c> is disabled (here 2 s, on a host of
/// its own), gets nothing more, and a retry by hand enables it again.
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class EndpointDisablingTests
{
    [Fact]
    public async Task An_endpoint_failing_for_all_of_RetryFor_is_disabled_and_a_retry_by_hand_enables_it()
    {
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?> { ["FlashSale:Webhooks:RetryFor"] = "00:00:02" });
        await using var merchant = await RegisteredReceiver.StartAsync(app.Admin, "claim.held");
        merchant.Receiver.Answer = _ => 503;
        var sale = await app.Admin.LiveSaleAsync(stock: 2, checkout: Checkout.Hold());
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await app.Storefront.HoldAsync(sale.SaleId, "never-answered")).StatusCode);

        await Eventually.True(async () => await DisabledAsync(app, merchant.WebhookId), TimeSpan.FromSeconds(20), "the endpoint is disabled");
        var delivery = (await merchant.DeliveriesAsync()).EnumerateArray().Single();
        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.True(delivery.GetProperty("attemptCount").GetInt32() >= 2, "it was retried before giving up");
        var sent = merchant.Receiver.All.Count;

        // Disabled: a new event is not even queued for it.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await app.Storefront.HoldAsync(sale.SaleId, "while-disabled")).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(sent, merchant.Receiver.All.Count);

        merchant.Receiver.Answer = _ => 200;
        await app.Admin.PostJsonAsync($"/admin/webhooks/{merchant.WebhookId}/deliveries/{delivery.GetProperty("deliveryId").GetInt64()}/retry", new { });
        await Eventually.True(() => Task.FromResult(merchant.Receiver.All.Any(r => r.AnsweredWith == 200)), TimeSpan.FromSeconds(20), "delivered by hand");
        Assert.False(await DisabledAsync(app, merchant.WebhookId));
    }

    private static async Task<bool> DisabledAsync(IsolatedService app, string webhookId) =>
        (await app.Admin.Http.GetFromJsonAsync<JsonElement>("/admin/webhooks")).EnumerateArray()
            .Single(w => w.GetProperty("webhookId").GetString() == webhookId).GetProperty("disabled").GetBoolean();
}
