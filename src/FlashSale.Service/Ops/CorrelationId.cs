using System.Text.RegularExpressions;

namespace FlashSale.Service.Ops;

/// <summary>
/// Every request carries a correlation id: the caller's <c>X-Correlation-Id</c> when it is a plain token,
/// else one of ours. It is echoed in the response and attached to every log line of the request.
/// </summary>
public static partial class CorrelationId
{
    public const string Header = "X-Correlation-Id";

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("FlashSale.Request");
        return app.Use(async (context, next) =>
        {
            using (BeginScope(logger, Assign(context)))
            {
                await next(context);
            }
        });
    }

    /// <summary>Picks the request's id and echoes it in the response.</summary>
    public static string Assign(HttpContext context)
    {
        string? given = context.Request.Headers[Header];
        // A caller's value goes into logs and a response header: only a short token, never arbitrary text.
        var id = given is not null && Shape().IsMatch(given) ? given : context.TraceIdentifier;
        context.Response.Headers[Header] = id;
        return id;
    }

    /// <summary>Attaches the id to the log lines written inside the scope.</summary>
    public static IDisposable? BeginScope(ILogger logger, string id) =>
        logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id });

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
