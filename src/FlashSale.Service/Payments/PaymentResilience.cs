using FlashSale.Service.Ops;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace FlashSale.Service.Payments;

/// <summary>
/// The one pipeline every gateway call runs through, built once per process so the circuit breaker sees
/// all calls: retry (transient outcomes and timeouts only, exponential backoff with jitter) around a
/// circuit breaker around a per-attempt timeout. Declines are answers, not failures: never retried.
/// </summary>
public sealed class PaymentResilience
{
    private readonly CircuitBreakerStateProvider _state = new();

    public PaymentResilience(IOptions<PaymentOptions> options, TimeProvider clock, ILogger<PaymentResilience> logger)
    {
        var o = options.Value.Resilience;
        var builder = new ResiliencePipelineBuilder<ChargeResult> { TimeProvider = clock };
        if (o.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ChargeResult>
            {
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
                MaxRetryAttempts = o.MaxRetries,
                Delay = o.RetryBaseDelay,
                MaxDelay = o.RetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    FlashSaleMetrics.PaymentRetries.Inc();
                    logger.LogDebug("Gateway call failed ({Reason}); retry {Attempt} in {Delay}",
                        args.Outcome.Exception?.GetType().Name ?? args.Outcome.Result?.Error, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<ChargeResult>
        {
            ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
            FailureRatio = o.BreakerFailureRatio,
            MinimumThroughput = o.BreakerMinimumThroughput,
            SamplingDuration = o.BreakerSamplingDuration,
            BreakDuration = o.BreakerBreakDuration,
            StateProvider = _state,
            OnOpened = args =>
            {
                FlashSaleMetrics.PaymentCircuitState.Set((int)CircuitState.Open);
                logger.LogWarning("Payment circuit breaker opened for {BreakDuration}: confirmed claims wait until it closes", args.BreakDuration);
                return default;
            },
            OnHalfOpened = _ =>
            {
                FlashSaleMetrics.PaymentCircuitState.Set((int)CircuitState.HalfOpen);
                return default;
            },
            OnClosed = _ =>
            {
                FlashSaleMetrics.PaymentCircuitState.Set((int)CircuitState.Closed);
                logger.LogInformation("Payment circuit breaker closed");
                return default;
            },
        });
        builder.AddTimeout(o.AttemptTimeout);
        Pipeline = builder.Build();
        FlashSaleMetrics.PaymentCircuitState.Set((int)CircuitState.Closed);
    }

    public ResiliencePipeline<ChargeResult> Pipeline { get; }

    /// <summary>The breaker's state now (Closed, Open, HalfOpen).</summary>
    public CircuitState CircuitState => _state.CircuitState;

    private static bool IsFailure(Outcome<ChargeResult> outcome) =>
        outcome.Exception is TimeoutRejectedException || outcome.Result?.Outcome == ChargeOutcome.Transient;
}
