using System.Collections.Concurrent;
using FlashSale.Load.Api;

namespace FlashSale.Load.Traffic;

/// <summary>
/// Hold checkout: what a winner does next. A buyer who walks away does nothing (the hold expires); the others check
/// out with their card once the hold is recorded (a <c>503</c> says it is not yet). A declined card puts the hold back,
/// and that buyer tries again with a good card, as the hold allows.
/// </summary>
public sealed class Checkouts(FlashSaleApi api)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(20);
    private long _started, _abandoned, _refused;

    public long Started => Interlocked.Read(ref _started);
    public long Abandoned => Interlocked.Read(ref _abandoned);
    /// <summary>Checkouts the service refused or never answered, after retries.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The refusals by problem code (or HTTP status).</summary>
    public IReadOnlyDictionary<string, int> RefusedBy => _refusedBy;

    private readonly ConcurrentDictionary<string, int> _refusedBy = new(StringComparer.Ordinal);

    public async Task PayAsync(string saleId, string claimId, string paymentMethodId, bool abandons, CancellationToken ct)
    {
        if (abandons)
        {
            Interlocked.Increment(ref _abandoned);
            return;
        }
        if (!await CheckOutAsync(saleId, claimId, paymentMethodId, ct).ConfigureAwait(false) || paymentMethodId == Buyers.GoodCard) return;
        // Declined: wait for the hold to come back, then the second card.
        var deadline = DateTime.UtcNow + GiveUpAfter;
        while (DateTime.UtcNow < deadline)
        {
            var claim = await api.GetClaimAsync(saleId, claimId, ct).ConfigureAwait(false);
            if (claim is { Status: ClaimStatuses.Held })
            {
                await CheckOutAsync(saleId, claimId, Buyers.GoodCard, ct).ConfigureAwait(false);
                return;
            }
            if (claim is not null && ClaimStatuses.IsTerminal(claim.Status)) return;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> CheckOutAsync(string saleId, string claimId, string paymentMethodId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        for (var attempt = 0; ; attempt++)
        {
            var (status, code) = await api.CheckoutAsync(saleId, claimId, paymentMethodId, ct).ConfigureAwait(false);
            if (status == 202)
            {
                Interlocked.Increment(ref _started);
                return true;
            }
            if (status is not (0 or 429 or 503) || DateTime.UtcNow > deadline)
            {
                Interlocked.Increment(ref _refused);
                _refusedBy.AddOrUpdate(code ?? $"http_{status}", 1, (_, n) => n + 1);
                return false;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * (1 << Math.Min(attempt, 4)), 1000)), ct).ConfigureAwait(false);
        }
    }
}
