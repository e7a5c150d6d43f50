using FlashSale.Service.Ops;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace FlashSale.Service.Payments;

/// <summary>A provider behind the resilience pipeline; what callers get is an outcome, never a Polly exception.</summary>
public sealed class ResilientPaymentGateway(IPaymentGateway provider, PaymentResilience resilience) : IPaymentGateway
{
    public Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken ct) =>
        RunAsync(static (g, r, t) => g.ChargeAsync(r, t), request, ct);

    // Off the hot path (the pending settler): the closure over mayReplay costs nothing that matters.
    public Task<ChargeResult> ResolveAsync(ChargeRequest request, bool mayReplay, CancellationToken ct) =>
        RunAsync((g, r, t) => g.ResolveAsync(r, mayReplay, t), request, ct);

    public Task<ChargeResult> CreateIntentAsync(ChargeRequest request, CancellationToken ct) =>
        RunAsync(static (g, r, t) => g.CreateIntentAsync(r, t), request, ct, countAsCharge: false);

    public Task<ChargeResult> RefundAsync(RefundRequest request, CancellationToken ct) =>
        RunAsync(static (g, r, t) => g.RefundAsync(r, t), request, ct, countAsCharge: false);

    private async Task<ChargeResult> RunAsync<TRequest>(
        Func<IPaymentGateway, TRequest, CancellationToken, Task<ChargeResult>> call, TRequest request, CancellationToken ct, bool countAsCharge = true)
    {
        ChargeResult result;
        try
        {
            result = await resilience.Pipeline.ExecuteAsync(
                static async (s, token) => await s.call(s.provider, s.request, token), (call, provider, request), ct);
        }
        catch (TimeoutRejectedException)
        {
            result = ChargeResult.Transient("gateway call timed out");
        }
        catch (BrokenCircuitException)
        {
            // Raised only before a call is sent, so nothing new happened at the gateway on this attempt.
            result = ChargeResult.CircuitOpen();
        }
        if (countAsCharge) FlashSaleMetrics.Payments.WithLabels(result.Label).Inc();
        return result;
    }
}
