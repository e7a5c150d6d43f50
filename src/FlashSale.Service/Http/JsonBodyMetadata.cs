using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FlashSale.Service.Http;

/// <summary>
/// Documents an endpoint's JSON body for OpenAPI without <c>Accepts</c> metadata: that metadata makes routing
/// answer 415 on its own terms, while the contract wants a wrong content type to be a 400 problem with a code.
/// </summary>
public sealed record JsonBodyMetadata(Type Type);

public static class JsonBodyDocumentation
{
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new JsonBodyMetadata(typeof(T)));

    public static OpenApiOptions AddJsonBodies(this OpenApiOptions options) =>
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var body = context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonBodyMetadata>().FirstOrDefault();
            if (body is null) return;
            var schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
