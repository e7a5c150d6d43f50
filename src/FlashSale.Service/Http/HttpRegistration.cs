using System.Text.Json.Serialization;

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
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        services.AddOpenApi(o => o.AddJsonBodies());
        return services;
    }
}
