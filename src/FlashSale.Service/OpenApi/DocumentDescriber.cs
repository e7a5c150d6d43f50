using FlashSale.Service.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FlashSale.Service.OpenApi;

/// <summary>What the document says as a whole: who it is for, the two bearer keys, the tags, the problem schemas.</summary>
internal static class DocumentDescriber
{
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Admin", "Merchants: schedule sales, pause, resume and close them, read their counts and reports, register webhooks. Admin key."),
        ("Storefront", "Buyers, through the storefront's backend: claim, poll the claim, pay for a hold or give it up. Storefront key."),
        ("Waiting room", "Tickets, admission tokens and the verifiable shuffle of a waiting-room sale."),
        ("Payments", "Stripe's webhook, and the simulated provider's browser-side confirm."),
        ("Ops", "Liveness and readiness, for load balancers and orchestrators."),
    ];

    public static Task DescribeAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "FlashSale gatekeeper",
            Version = "2",
            Summary = "Decides, fast and exactly, which buyers get a unit of a flash sale.",
            Description = """
                The API of CONTRACT.md v2. Merchants call the admin operations with the admin key, storefronts the storefront
                operations with the storefront key, both as `Authorization: Bearer <key>`: a missing or wrong key is `401`,
                a key of the other role `403`. Every error is `application/problem+json` with a stable `code`, and no error
                changes state. A claim is retried safely by sending it again: the same user's claim comes back (`200`), never
                a second one.
                """,
        };
        // The address the document was fetched from, without the trailing slash the framework adds.
        foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [Policies.Admin] = Bearer("The admin key (`FlashSale:AdminKey`): merchants' operations."),
            [Policies.Storefront] = Bearer("The storefront key (`FlashSale:StorefrontKey`): buyers' operations, sent by the storefront's backend."),
        };
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        ProblemSchemas.AddTo(document);
        // Replaced by Problem in every response (OperationDescriber).
        document.Components.Schemas?.Remove("ProblemDetails");
        document.Components.Schemas?.Remove("HttpValidationProblemDetails");
        return Task.CompletedTask;
    }

    private static OpenApiSecurityScheme Bearer(string description) =>
        new() { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = description };
}
