using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using FlashSale.Service.Payments;
using Stripe;

namespace FlashSale.Service.StripeWebhooks;

/// <summary>
/// The simulated provider's side of Stripe's webhooks: an event in Stripe's format about one of its PaymentIntents,
/// signed the way Stripe signs (<c>Stripe-Signature: t=...,v1=...</c>), posted to this service's own
/// <c>/webhooks/stripe</c>, where it goes through the same verification as one of Stripe's. Delivery is retried a few
/// times, as Stripe retries; a simulated event that never arrives leaves its hold to expire.
/// </summary>
public sealed class SimulatedStripeEvents(
    IHttpClientFactory http, IServer server, StripeWebhookSecret secret, IOptions<PaymentOptions> options, TimeProvider clock,
    ILogger<SimulatedStripeEvents> logger)
{
    public const string HttpClientName = "simulated-stripe-events";
    private const int Deliveries = 5;

    /// <returns>What the webhook endpoint said it did with the event (null when it never answered 2xx).</returns>
    public async Task<string?> SendAsync(string type, JsonObject paymentIntent, CancellationToken ct)
    {
        var payload = new JsonObject
        {
            ["id"] = "evt_sim_" + Guid.CreateVersion7().ToString("N"),
            ["object"] = "event",
            ["api_version"] = StripeConfiguration.ApiVersion,
            ["created"] = clock.GetUtcNow().ToUnixTimeSeconds(),
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
            ["data"] = new JsonObject { ["object"] = paymentIntent },
        }.ToJsonString();
        var url = new Uri(WebhookBase(), "/webhooks/stripe");
        var client = http.CreateClient(HttpClientName);
        for (var delivery = 1; delivery <= Deliveries; delivery++)
        {
            try
            {
                using var content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json");
                using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                // Signed at each delivery, as Stripe does: the timestamp is the delivery's.
                message.Headers.Add("Stripe-Signature", EventUtility.GenerateSignatureHeader(payload, secret.Value!, clock.GetUtcNow().ToUnixTimeSeconds()));
                using var response = await client.SendAsync(message, ct);
                if (response.IsSuccessStatusCode)
                {
                    using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    return answer.RootElement.TryGetProperty("outcome", out var outcome) ? outcome.GetString() : null;
                }
                logger.LogWarning("Simulated Stripe event {Type} answered {Status} (delivery {Delivery})", type, (int)response.StatusCode, delivery);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                logger.LogWarning(e, "Simulated Stripe event {Type} could not be delivered (delivery {Delivery})", type, delivery);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200 * delivery), clock, ct);
        }
        logger.LogError("Simulated Stripe event {Type} was not delivered after {Deliveries} tries", type, Deliveries);
        return null;
    }

    private Uri WebhookBase()
    {
        if (options.Value.Simulated.WebhookUrl is { } configured) return configured;
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("This process listens nowhere; set FlashSale:Payments:Simulated:WebhookUrl.");
        // A wildcard binding is reached on loopback.
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::") uri.Host = "127.0.0.1";
        return uri.Uri;
    }
}
