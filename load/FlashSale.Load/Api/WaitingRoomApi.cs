using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace FlashSale.Load.Api;

/// <summary>
/// The waiting room's storefront calls, on connection pools of their own: tens of thousands of buyers polling must
/// not hold up the claims of the few just admitted (the claims keep <see cref="FlashSaleApi"/>'s crowd pool), nor the
/// joins of buyers still arriving before the start.
/// </summary>
public sealed class WaitingRoomApi(Uri baseAddress, string storefrontKey, int connections, TimeSpan timeout) : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private readonly HttpClient _joins = FlashSaleApi.Client(baseAddress, storefrontKey, connections, timeout);
    private readonly HttpClient _polls = FlashSaleApi.Client(baseAddress, storefrontKey, connections, timeout);

    public Task<TicketAnswer> JoinAsync(string saleId, string userId, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"sales/{saleId}/queue")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"userId":"{{userId}}"}""")) { Headers = { ContentType = JsonType } },
        };
        return SendAsync(_joins, request, ct);
    }

    public Task<TicketAnswer> PollAsync(string saleId, string ticketId, CancellationToken ct) =>
        SendAsync(_polls, new HttpRequestMessage(HttpMethod.Get, $"sales/{saleId}/queue/{ticketId}"), ct);

    /// <summary>Never throws for what the network or the service does: that is an answer too.</summary>
    private static async Task<TicketAnswer> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken ct)
    {
        using var _ = request;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is 200 or 201)
                return new TicketAnswer(status, await response.Content.ReadFromJsonAsync<TicketView>(FlashSaleApi.Json, ct).ConfigureAwait(false), null);
            var (_, code) = AnswerReader.Read(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
            return new TicketAnswer(status, null, code ?? $"http_{status}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new TicketAnswer(0, null, "timeout");
        }
        catch (HttpRequestException e)
        {
            return new TicketAnswer(0, null, e.HttpRequestError == HttpRequestError.ConnectionError ? "connection_error" : "http_error");
        }
        catch (System.Text.Json.JsonException)
        {
            return new TicketAnswer(0, null, "bad_json");
        }
    }

    public void Dispose()
    {
        _joins.Dispose();
        _polls.Dispose();
    }
}
