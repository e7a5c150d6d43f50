using FlashSale.Load.Api;

namespace FlashSale.Load.Fairness;

/// <summary>What <c>verify</c> downloaded and what it found.</summary>
public sealed record Verification(FairnessView View, IReadOnlyList<string> Order, OrderCheck Check);

/// <summary>Downloads a sale's fairness and its whole served order, and checks them (<see cref="FairOrderCheck"/>).</summary>
public static class FairnessVerifier
{
    public static async Task<Verification> VerifyAsync(FairnessApi api, string saleId, CancellationToken ct)
    {
        var view = await api.GetAsync(saleId, ct).ConfigureAwait(false);
        // Before the start the order is not shown: there is nothing to check it against.
        var order = view.Seed is null ? [] : await api.GetOrderAsync(saleId, ct).ConfigureAwait(false);
        return new Verification(view, order, FairOrderCheck.Verify(view.Commitment, view.Seed, order));
    }
}
