using System.Net;
using FlashSale.Service.Payments;
using Microsoft.Extensions.Logging;
using Stripe;
using ChargeOutcome = FlashSale.Service.Payments.ChargeOutcome;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>Which Stripe failures are final and which leave the charge open; what reaches the log.</summary>
public sealed class StripeErrorMappingTests
{
    private const string ClaimId = "clm_0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(402, "card_error", "card_declined", "insufficient_funds", null, ChargeOutcome.Declined, "insufficient_funds")]
    [InlineData(402, "card_error", "expired_card", null, null, ChargeOutcome.Declined, "expired_card")]
    // The buyer's payment method itself is unusable: their claim fails, the sale goes on.
    [InlineData(400, "invalid_request_error", "resource_missing", null, "payment_method", ChargeOutcome.Declined, "resource_missing")]
    // The merchant's account or request: nothing is declined, the sale's charging is held until it is fixed.
    [InlineData(400, "invalid_request_error", "payment_method_unactivated", null, null, ChargeOutcome.Refused, null)]
    [InlineData(400, "invalid_request_error", "amount_too_small", null, "amount", ChargeOutcome.Refused, null)]
    [InlineData(400, "invalid_request_error", "parameter_invalid_string", null, "currency", ChargeOutcome.Refused, null)]
    [InlineData(404, "invalid_request_error", "resource_missing", null, null, ChargeOutcome.Refused, null)]
    [InlineData(409, "idempotency_error", null, null, null, ChargeOutcome.Transient, null)]
    [InlineData(409, "invalid_request_error", "idempotency_key_in_use", null, null, ChargeOutcome.Transient, null)]
    [InlineData(400, "idempotency_error", null, null, null, ChargeOutcome.Transient, null)]
    [InlineData(429, "invalid_request_error", "rate_limit", null, null, ChargeOutcome.Transient, null)]
    [InlineData(500, "api_error", null, null, null, ChargeOutcome.Transient, null)]
    [InlineData(503, null, null, null, null, ChargeOutcome.Transient, null)]
    [InlineData(401, "invalid_request_error", null, null, null, ChargeOutcome.Transient, null)]
    public void Stripe_errors_map_to_outcomes(int status, string? type, string? code, string? declineCode, string? param, ChargeOutcome outcome, string? reason)
    {
        var error = type is null ? null : new StripeError
        {
            Type = type, Code = code, DeclineCode = declineCode, Param = param, Message = "No such PaymentMethod: 'pm_secret_4242'",
        };
        var result = StripeErrors.Map(new StripeException((HttpStatusCode)status, error, "failed"), ClaimId, new ListLogger());
        Assert.Equal(outcome, result.Outcome);
        Assert.Equal(reason, result.DeclineCode);
        if (outcome == ChargeOutcome.Refused) Assert.Equal(code, result.Error);
    }

    [Fact]
    public void Network_errors_and_timeouts_of_the_http_client_are_transient()
    {
        Assert.True(StripeErrors.IsGatewayFailure(new HttpRequestException("connection refused"), CancellationToken.None));
        Assert.True(StripeErrors.IsGatewayFailure(new TaskCanceledException("http timeout"), CancellationToken.None));
        Assert.Equal(ChargeOutcome.Transient, StripeErrors.Map(new HttpRequestException("refused"), ClaimId, new ListLogger()).Outcome);
        Assert.Equal(ChargeOutcome.Transient, StripeErrors.Map(new TaskCanceledException(), ClaimId, new ListLogger()).Outcome);
        // Our own cancellation (shutdown, the pipeline's timeout) is not the gateway's failure: it propagates.
        Assert.False(StripeErrors.IsGatewayFailure(new OperationCanceledException(), new CancellationToken(canceled: true)));
    }

    [Fact]
    public void A_refused_request_is_logged_with_payment_method_ids_and_keys_masked()
    {
        var log = new ListLogger();
        var error = new StripeError
        {
            Type = "invalid_request_error", Code = "resource_missing", Param = "payment_method",
            Message = "No such PaymentMethod: 'pm_1QabcSECRET'; key sk_test_51Hsecret used",
        };
        StripeErrors.Map(new StripeException(HttpStatusCode.BadRequest, error, error.Message), ClaimId, log);
        var line = Assert.Single(log.Lines);
        Assert.Contains("resource_missing", line);
        Assert.Contains("pm_***", line);
        Assert.DoesNotContain("SECRET", line);
        Assert.DoesNotContain("51Hsecret", line);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
