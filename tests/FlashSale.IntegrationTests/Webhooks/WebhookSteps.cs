using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Webhooks;

/// <summary>A merchant's endpoint registered for a test, and removed after it, so no other test's claims reach it.</summary>
public sealed class RegisteredReceiver(FlashSaleClient admin, WebhookReceiver receiver, string webhookId) : IAsyncDisposable
{
    public WebhookReceiver Receiver => receiver;
    public string WebhookId => webhookId;

    public static async Task<RegisteredReceiver> StartAsync(FlashSaleClient admin, params string[] events)
    {
        var receiver = await WebhookReceiver.StartAsync();
        var response = await admin.PostJsonAsync("/admin/webhooks", new { url = receiver.Url.ToString(), events });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        receiver.Secret = created.GetProperty("secret").GetString();
        return new RegisteredReceiver(admin, receiver, created.GetProperty("webhookId").GetString()!);
    }

    /// <summary>The verified deliveries about one sale, in arrival order, parsed.</summary>
    public IReadOnlyList<(string WebhookId, string Type, JsonElement Data)> Of(string saleId) => receiver.Verified
        .Select(r => (r.WebhookId, Json: JsonDocument.Parse(r.Body).RootElement))
        .Where(r => r.Json.GetProperty("data").TryGetProperty("saleId", out var s) && s.GetString() == saleId)
        .Select(r => (r.WebhookId, r.Json.GetProperty("type").GetString()!, r.Json.GetProperty("data").Clone())).ToList();

    public async Task<JsonElement> DeliveriesAsync() =>
        await admin.Http.GetFromJsonAsync<JsonElement>($"/admin/webhooks/{webhookId}/deliveries");

    public async ValueTask DisposeAsync()
    {
        await admin.Http.DeleteAsync($"/admin/webhooks/{webhookId}");
        await receiver.DisposeAsync();
    }
}
