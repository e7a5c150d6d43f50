using System.Text;
using FlashSale.Service.Http;
using Stripe;

namespace FlashSale.Service.StripeWebhooks;

/// <summary>
/// <c>POST /webhooks/stripe</c>: Stripe's events, verified with Stripe.net's own signature check (<see cref="EventUtility"/>,
/// 300 s tolerance) before anything is read from them, then applied once (<see cref="StripeEventApplier"/>). A bad or
/// stale signature is a 400 that changes nothing; Stripe retries anything but a 2xx, so a failure to apply answers 503.
/// </summary>
public static class StripeWebhookEndpoint
{
    /// <summary>Stripe's own tolerance for a signature's age, in seconds.</summary>
    public const long ToleranceSeconds = 300;

    // Stripe's events are larger than our request bodies; a payment_intent event is a few KiB.
    private const int MaxBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/stripe", ReceiveAsync).WithTags("Payments").AllowAnonymous()
            .Produces(StatusCodes.Status200OK).ProducesValidationProblem().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpRequest request, StripeWebhookSecret secret, StripeEventApplier applier, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) return Problems.PayloadTooLarge(MaxBytes);
        string payload;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            var buffer = new char[MaxBytes + 1];
            var length = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
            if (length > MaxBytes) return Problems.PayloadTooLarge(MaxBytes);
            payload = new string(buffer, 0, length);
        }
        if (secret.Value is null)
            return Problems.Invalid("Stripe-Signature", "No webhook secret is configured (FlashSale:Payments:Stripe:WebhookSecret), so no event can be verified.");

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(payload, request.Headers["Stripe-Signature"].ToString(), secret.Value,
                ToleranceSeconds, clock.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException)
        {
            return Problems.Invalid("Stripe-Signature", "The signature does not match the payload, or it is older than 300 seconds.");
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or ArgumentException or FormatException)
        {
            return Problems.Invalid("body", "The payload is not a Stripe event.");
        }

        try
        {
            var outcome = await applier.ApplyAsync(stripeEvent, payload, ct);
            return TypedResults.Ok(new StripeWebhookAnswer(true, outcome));
        }
        catch (ClaimNotRecordedYetException e)
        {
            loggers.CreateLogger(typeof(StripeWebhookEndpoint)).LogInformation("Stripe event {EventId} deferred: {Reason}", stripeEvent.Id, e.Message);
            return Problems.DependencyUnavailable("The claim this event is about is still being recorded; send it again later.");
        }
    }
}

/// <param name="Outcome">What applying the event did (<c>duplicate</c> for one already applied).</param>
public sealed record StripeWebhookAnswer(bool Received, string Outcome);
