using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using StackExchange.Redis;

namespace FlashSale.Service.Http;

/// <summary>
/// Turns what escapes a handler into a problem response: an unreachable Redis or PostgreSQL is a 503 the
/// client may retry, anything else a 500 with no internals in it. Every endpoint is safe to retry after a 503:
/// writes are idempotent (a sale's creation by its Idempotency-Key, a claim by its userId), so a write that did
/// happen before the dependency stopped answering is returned by the retry, not done again.
/// </summary>
internal sealed class ExceptionToProblemHandler(IProblemDetailsService problems, ILogger<ExceptionToProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var (status, code, title) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, ProblemCodes.PayloadTooLarge, "Payload too large"),
            BadHttpRequestException bad => (bad.StatusCode, ProblemCodes.InvalidRequest, "Invalid request"),
            RedisException or NpgsqlException or TimeoutException => (503, ProblemCodes.DependencyUnavailable, "Dependency unavailable"),
            _ => (500, ProblemCodes.Internal, "Internal error"),
        };
        if (status >= 500) logger.LogError(exception, "Request failed: {Code}", code);
        if (status == 503) context.Response.Headers.RetryAfter = "1";
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Extensions = { ["code"] = code } },
        });
    }
}
