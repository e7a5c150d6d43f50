using System.Reflection;
using System.Text.Json.Nodes;
using FlashSale.Service.Http;
using Microsoft.OpenApi;

namespace FlashSale.Service.OpenApi;

/// <summary>
/// The problem body (RFC 9457) with the contract's <c>code</c>: <c>ProblemCode</c> lists every code the service
/// answers with, read from <see cref="ProblemCodes"/> so a new one is documented when it is added; each response
/// narrows it to the codes that response can carry.
/// </summary>
internal static class ProblemSchemas
{
    public const string Problem = "Problem";
    public const string ProblemCode = "ProblemCode";

    // The framework's own 405 (HttpRegistration), not a constant of ProblemCodes.
    private static readonly string[] FrameworkCodes = ["method_not_allowed"];

    public static IReadOnlyList<string> AllCodes { get; } = typeof(ProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Concat(FrameworkCodes).Distinct().ToArray();

    public static void AddTo(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemCode] = new OpenApiSchema
        {
            Type = JsonSchemaType.String, Description = "The stable, machine-readable reason of a problem (CONTRACT.md, Errors).",
            Enum = [.. AllCodes.Select(c => (JsonNode)JsonValue.Create(c))],
        };
        var text = new OpenApiSchema { Type = JsonSchemaType.String };
        document.Components.Schemas[Problem] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem. No error ever changes state: a refused request leaves stock, claims and payments as they were.",
            Required = new HashSet<string> { "status", "title", "code" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = text, ["title"] = text, ["detail"] = text, ["instance"] = text,
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["code"] = new OpenApiSchemaReference(ProblemCode, document),
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object, Description = "`invalid_request`: the messages of each field that is wrong.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = text },
                },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, to quote to the operator." },
            },
        };
    }

    public static JsonNode Example(int status, string code) => new JsonObject
    {
        ["title"] = char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' '),
        ["status"] = status,
        ["code"] = code,
    };
}
