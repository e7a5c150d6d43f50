using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace FlashSale.Service.OpenApi;

/// <summary>
/// Writes <see cref="ApiOperations"/> into each operation: its id, summary, description, security, the path
/// parameters a handler reads from the route itself (the short-circuited claim endpoint), the headers it reads, and
/// its problem responses with their codes.
/// </summary>
internal static class OperationDescriber
{
    private static readonly Dictionary<string, string> PathParameters = new()
    {
        ["saleId"] = "The sale's id, as `POST /admin/sales` answered it.",
        ["claimId"] = "The claim's id, as the claim's `202` answered it.",
        ["ticketId"] = "The ticket's id, as `joinQueue` answered it.",
        ["webhookId"] = "The endpoint's id, as `createWebhook` answered it.",
        ["deliveryId"] = "The delivery's id, as `listWebhookDeliveries` shows it.",
        ["paymentIntentId"] = "The PaymentIntent's id, as the client-confirm checkout answered it.",
    };

    private static readonly Dictionary<string, string> QueryParameters = new()
    {
        ["after"] = "The last ticket id of the previous page; none for the first page.",
        ["ticket"] = "The buyer's ticket id, as `joinQueue` answered it.",
        ["return"] = "Where to send the buyer once admitted: a URL of an allowed storefront origin.",
    };

    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        if (ApiOperations.Find(description.HttpMethod, description.RelativePath) is not { } api) return Task.CompletedTask;
        operation.OperationId = api.OperationId;
        operation.Summary = api.Summary;
        operation.Description = api.Description;
        // An empty requirement is OpenAPI's "no key needed", so anonymous operations say so rather than say nothing.
        var requirement = new OpenApiSecurityRequirement();
        if (api.Role is { } role) requirement[new OpenApiSecuritySchemeReference(role, context.Document)] = [];
        operation.Security = [requirement];

        operation.Parameters ??= [];
        AddPathParameters(operation, api.Path);
        foreach (var header in api.Headers ?? [])
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name, In = ParameterLocation.Header, Required = header.Required, Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
        DescribeParameters(operation);

        operation.Responses ??= [];
        // The framework's generic problem responses give way to the table's; an endpoint's own others (HTML) stay.
        foreach (var (status, response) in operation.Responses.Where(r => r.Key[0] is '4' or '5').ToList())
            if (response.Content is null || response.Content.Count == 0 || response.Content.ContainsKey("application/problem+json")) operation.Responses.Remove(status);
        foreach (var problem in api.Problems) operation.Responses[Status(problem.Status)] = ProblemResponse(problem, context.Document);
        foreach (var (status, shows) in api.Pages ?? new Dictionary<int, string>()) operation.Responses[Status(status)] = PageResponse(shows);
        DescribeSuccesses(operation);
        return Task.CompletedTask;
    }

    private static void AddPathParameters(OpenApiOperation operation, string path)
    {
        foreach (var segment in path.Split('/').Where(s => s.StartsWith('{')))
        {
            var name = segment.Trim('{', '}');
            if (operation.Parameters!.Any(p => p.In == ParameterLocation.Path && p.Name == name)) continue;
            operation.Parameters!.Insert(0, new OpenApiParameter
            {
                Name = name, In = ParameterLocation.Path, Required = true, Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
    }

    private static void DescribeParameters(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters!.OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Path && PathParameters.TryGetValue(parameter.Name!, out var text)) parameter.Description ??= text;
            if (parameter is { In: ParameterLocation.Header, Name: "Idempotency-Key" })
            {
                parameter.Description = "Makes the creation safe to retry: a repeat with the same key and body returns the same sale. 1-255 printable ASCII characters, no spaces.";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = "^[!-~]+$" };
            }
            if (parameter is { In: ParameterLocation.Query, Name: "limit" })
            {
                parameter.Description ??= "How many to return, 1-1000 (default 100).";
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "1000" };
            }
            if (parameter.In == ParameterLocation.Query && QueryParameters.TryGetValue(parameter.Name!, out var query)) parameter.Description ??= query;
        }
    }

    private static string Status(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static OpenApiResponse PageResponse(string shows) => new()
    {
        Description = shows,
        Content = new Dictionary<string, OpenApiMediaType> { ["text/html"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
    };

    private static OpenApiResponse ProblemResponse(ApiProblem problem, OpenApiDocument? document)
    {
        var schema = new OpenApiSchema
        {
            AllOf =
            [
                new OpenApiSchemaReference(ProblemSchemas.Problem, document),
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object, Required = new HashSet<string> { "code" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. problem.Codes.Select(c => (JsonNode)JsonValue.Create(c))] },
                    },
                },
            ],
        };
        var response = new OpenApiResponse
        {
            Description = $"{ReasonPhrases.GetReasonPhrase(problem.Status)}: `code` is {string.Join(" or ", problem.Codes.Select(c => $"`{c}`"))}.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = schema, Example = ProblemSchemas.Example(problem.Status, problem.Codes[0]) },
            },
        };
        if (problem.Status is 429 or 503)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                },
            };
        }
        if (problem.Status == 401)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["WWW-Authenticate"] = new OpenApiHeader { Description = "`Bearer`: send the key as `Authorization: Bearer <key>`.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        }
        return response;
    }

    // The framework's descriptions are the reason phrases; a generated client's comments read better with the contract's words.
    private static void DescribeSuccesses(OpenApiOperation operation)
    {
        foreach (var (status, response) in operation.Responses!)
        {
            if (response is not OpenApiResponse r) continue;
            if (status == "201" || (status == "202" && operation.OperationId == "claim"))
            {
                r.Headers ??= new Dictionary<string, IOpenApiHeader>();
                r.Headers["Location"] = new OpenApiHeader
                {
                    Description = "Where the new resource is read.", Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            }
            if (operation.OperationId == "claim")
                r.Description = status == "202" ? "Accepted: the claim is admitted (or held, in a hold sale); poll `statusUrl`." : "OK: this user's claim already existed, returned as it is (a replay; no stock taken).";
        }
    }
}
