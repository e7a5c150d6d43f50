using System.Text.Json.Serialization;
using FlashSale.Service.OpenApi;

namespace FlashSale.Service.Http;

internal static class HttpRegistration
{
    public static IServiceCollection AddFlashSaleHttp(this IServiceCollection services)
    {
        // Problems the framework writes itself (unknown route, wrong method) get a code like ours do.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions.TryAdd("code", ctx.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => ProblemCodes.NotFound,
                StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
                StatusCodes.Status413PayloadTooLarge => ProblemCodes.PayloadTooLarge,
                >= 400 and < 500 => ProblemCodes.InvalidRequest,
                _ => ProblemCodes.Internal,
            }));
        services.AddExceptionHandler<ExceptionToProblemHandler>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            // Bodies are read by JsonBody.Strict, never with these options; strict here makes the OpenAPI document say
            // "integer" where the web defaults would also allow a number in a string, which the service refuses.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.AddOpenApi(o => o.AddJsonBodies().DescribeFlashSale());
        return services;
    }
}
