using System.Net;
using System.Net.Http.Json;

namespace FlashSale.Load.Api;

/// <summary>
/// Downloads what anyone may check of a waiting-room sale: the commitment and seed, and the served pre-queue order,
/// every page of it. Needs no key (the storefront key is sent when given, harmlessly).
/// </summary>
public sealed class FairnessApi : IDisposable
{
    public const int PageSize = 1000; // the contract's largest page
    private readonly HttpClient _http;

    public FairnessApi(Uri baseAddress, string? storefrontKey) =>
        _http = FlashSaleApi.Client(baseAddress, storefrontKey, 4, TimeSpan.FromSeconds(30));

    public async Task<FairnessView> GetAsync(string saleId, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"sales/{Uri.EscapeDataString(saleId)}/fairness", ct).ConfigureAwait(false);
        await FlashSaleApi.EnsureAsync(response, $"read the fairness of sale {saleId}", HttpStatusCode.OK).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<FairnessView>(FlashSaleApi.Json, ct).ConfigureAwait(false))!;
    }

    /// <summary>The whole served order, page after page until <c>next</c> is null.</summary>
    public async Task<IReadOnlyList<string>> GetOrderAsync(string saleId, CancellationToken ct)
    {
        var order = new List<string>();
        string? after = null;
        do
        {
            var url = $"sales/{Uri.EscapeDataString(saleId)}/fairness/order?limit={PageSize}" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}");
            using var response = await _http.GetAsync(url, ct).ConfigureAwait(false);
            await FlashSaleApi.EnsureAsync(response, $"read the order of sale {saleId}", HttpStatusCode.OK).ConfigureAwait(false);
            var page = (await response.Content.ReadFromJsonAsync<FairnessOrderPage>(FlashSaleApi.Json, ct).ConfigureAwait(false))!;
            order.AddRange(page.Tickets);
            // A page that names as next a ticket already listed would loop for ever.
            if (page.Next is not null && (page.Tickets.Length == 0 || page.Next == after))
                throw new SetupException($"the order listing of sale {saleId} does not advance after {after ?? "the start"}");
            after = page.Next;
        }
        while (after is not null);
        return order;
    }

    public void Dispose() => _http.Dispose();
}
