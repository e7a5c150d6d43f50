using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.Webhooks;

/// <summary>The merchant registers the endpoints that hear of claims and sales, and looks at and retries their deliveries.</summary>
public static class WebhookAdminEndpoints
{
    private const int MaxUrlLength = 2048;

    public static RouteGroupBuilder MapWebhookAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/webhooks").WithTags("Admin").RequireAuthorization(Policies.Admin);
        admin.MapPost("/", CreateAsync).WithJsonBody<CreateWebhookRequest>()
            .Produces<WebhookResponse>(StatusCodes.Status201Created).ProducesValidationProblem();
        admin.MapGet("/", async (WebhookStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)));
        admin.MapDelete("/{webhookId}", DeleteAsync).ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/{webhookId}/deliveries", DeliveriesAsync).ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/{webhookId}/deliveries/{deliveryId}/retry", RetryAsync).ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, WebhookStore store, WebhookTargets targets, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateWebhookRequest>(request, ct);
        if (problem is not null) return problem;
        var errors = new ValidationErrors();
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(body!.Url) || body.Url.Length > MaxUrlLength || !Uri.TryCreate(body.Url, UriKind.Absolute, out url))
            errors.Add("url", $"url must be an absolute http or https URL of at most {MaxUrlLength} characters.");
        else if (await targets.RefusalAsync(url, ct) is { } refusal)
            errors.Add("url", refusal);
        if (body.Events is not { Length: > 0 } || body.Events.Any(e => !WebhookEventTypes.All.Contains(e)) || body.Events.Distinct().Count() != body.Events.Length)
            errors.Add("events", $"events must name one or more of: {string.Join(", ", WebhookEventTypes.All)}, each once.");
        if (body.Secret is not null && WebhookSecret.KeyOf(body.Secret) is null)
            errors.Add("secret", "secret must be whsec_ followed by the base64 of 24 to 64 bytes.");
        if (!errors.IsEmpty) return Problems.Invalid(errors.ToDictionary());

        var created = await store.CreateAsync(url!.AbsoluteUri, body.Events!, body.Secret ?? WebhookSecret.New(), ct);
        return TypedResults.Created($"/admin/webhooks/{created.WebhookId}", created);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string webhookId, WebhookStore store, CancellationToken ct) =>
        await store.DeleteAsync(webhookId, ct) ? TypedResults.NoContent() : NotFound();

    private static async Task<Results<Ok<List<WebhookDeliveryResponse>>, ProblemHttpResult>> DeliveriesAsync(
        string webhookId, WebhookStore store, CancellationToken ct, int? limit = null)
    {
        if (await store.GetAsync(webhookId, ct) is null) return NotFound();
        return TypedResults.Ok(await store.DeliveriesAsync(webhookId, Math.Clamp(limit ?? 100, 1, 1000), null, ct));
    }

    private static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> RetryAsync(
        string webhookId, string deliveryId, WebhookStore store, CancellationToken ct)
    {
        if (!long.TryParse(deliveryId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            || !await store.RetryAsync(webhookId, id, ct))
            return Problems.Of(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Not found", "No such delivery of this webhook.");
        var delivery = (await store.DeliveriesAsync(webhookId, 1, id, ct)).Single();
        return TypedResults.Accepted($"/admin/webhooks/{webhookId}/deliveries", delivery);
    }

    private static ProblemHttpResult NotFound() =>
        Problems.Of(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Not found", "No such webhook.");
}
