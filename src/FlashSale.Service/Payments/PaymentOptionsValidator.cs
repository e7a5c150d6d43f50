using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Payments;

/// <summary>
/// What data annotations cannot say: the nested sections (which <c>ValidateDataAnnotations</c> does not
/// descend into), the Stripe key when Stripe is the provider, and the order of the backoff bounds.
/// </summary>
internal sealed class PaymentOptionsValidator : IValidateOptions<PaymentOptions>
{
    public ValidateOptionsResult Validate(string? name, PaymentOptions options)
    {
        var failures = new List<string>();
        Nested("Simulated", options.Simulated, failures);
        Nested("Stripe", options.Stripe, failures);
        Nested("Resilience", options.Resilience, failures);
        Nested("Pending", options.Pending, failures);

        if (options.Provider == "stripe")
        {
            if (string.IsNullOrWhiteSpace(options.Stripe.ApiKey) || options.Stripe.ApiKey.Any(char.IsWhiteSpace))
                failures.Add($"{PaymentOptions.Section}:Stripe:ApiKey must be set when the provider is stripe.");
            if (!Uri.TryCreate(options.Stripe.ApiBase, UriKind.Absolute, out var apiBase) || apiBase.Scheme is not ("https" or "http"))
                failures.Add($"{PaymentOptions.Section}:Stripe:ApiBase must be an absolute http(s) URL.");
        }
        if (options.Resilience.RetryMaxDelay < options.Resilience.RetryBaseDelay)
            failures.Add($"{PaymentOptions.Section}:Resilience:RetryMaxDelay must not be shorter than RetryBaseDelay.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Nested(string section, object value, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true)) return;
        failures.AddRange(results.Select(r => $"{PaymentOptions.Section}:{section}: {r.ErrorMessage}"));
    }
}
