using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>A waiting-room sale as a test drives it: the contract's calls, nothing else.</summary>
public static class QueueSteps
{
    public static async Task<string> CreateAsync(FlashSaleClient admin, int stock, TimeSpan? startsIn = null, int outflowPerMinute = 60_000,
        int tokenSeconds = 120, int prequeueMinutes = 10, bool preload = true, Checkout? checkout = null)
    {
        var body = FlashSaleClient.SaleBody(stock, startsIn: startsIn, checkout: checkout);
        body["waitingRoom"] = new { enabled = true, prequeueMinutes, outflowPerMinute, tokenSeconds };
        var created = await admin.PostJsonAsync("/admin/sales", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var saleId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("saleId").GetString()!;
        if (preload) await admin.PreloadAsync(saleId);
        return saleId;
    }

    public static async Task<(HttpStatusCode Status, Ticket Ticket)> JoinAsync(FlashSaleClient storefront, string saleId, string userId)
    {
        var response = await storefront.PostJsonAsync($"/sales/{saleId}/queue", new { userId });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"join answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<Ticket>(FlashSaleClient.Json))!);
    }

    public static async Task<Ticket> PollAsync(FlashSaleClient storefront, string saleId, string ticketId) =>
        (await storefront.Http.GetFromJsonAsync<Ticket>($"/sales/{saleId}/queue/{ticketId}", FlashSaleClient.Json))!;

    /// <summary>Polls until the ticket is admitted, and returns it with its token.</summary>
    public static async Task<Ticket> AdmittedAsync(FlashSaleClient storefront, string saleId, string ticketId, TimeSpan? within = null)
    {
        Ticket? last = null;
        await Eventually.True(async () => (last = await PollAsync(storefront, saleId, ticketId)).Status == "admitted",
            within ?? TimeSpan.FromSeconds(30), () => $"last: {last}", "the ticket is admitted");
        return last!;
    }

    /// <param name="paymentMethodId">Null for a hold sale's claim, which takes none.</param>
    public static Task<HttpResponseMessage> ClaimAsync(FlashSaleClient storefront, string saleId, string userId, string? token,
        string? paymentMethodId = "pm_card_visa")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/sales/{saleId}/claims")
        {
            Content = paymentMethodId is null ? JsonContent.Create(new { userId, quantity = 1 }) : JsonContent.Create(new { userId, quantity = 1, paymentMethodId }),
        };
        if (token is not null) request.Headers.Add("FlashSale-Admission", token);
        return storefront.Http.SendAsync(request);
    }
}

public sealed record Ticket(string TicketId, string Status, long? Position, long? AheadOfYou, long? EtaSeconds, bool SoldOut,
    string? AdmissionToken, DateTime? TokenExpiresAt, int PollAfterSeconds);
