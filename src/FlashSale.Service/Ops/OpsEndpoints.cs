using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;
using Scalar.AspNetCore;

namespace FlashSale.Service.Ops;

public static class OpsEndpoints
{
    public const string ReadyTag = "ready";

    /// <summary>The checks /readyz runs; the readiness gauge runs the same ones.</summary>
    public static bool IsReadinessCheck(HealthCheckRegistration check) => check.Tags.Contains(ReadyTag);

    public static IEndpointRouteBuilder MapOpsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" })).WithTags("Ops");
        app.MapGet("/readyz", ReadyAsync).WithTags("Ops")
            .Produces<Readiness>().Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        app.MapMetrics("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        // The API reference page, for people; Development only, the document itself is always served.
        if (app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment())
            app.MapScalarApiReference("/scalar", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }

    // {"status":"unavailable","down":["postgres"],"checks":{"redis":"up","postgres":"down","queue":"up"}}
    private static async Task<IResult> ReadyAsync(HealthCheckService health, HttpContext context, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(IsReadinessCheck, ct);
        var ready = report.Status == HealthStatus.Healthy;
        if (!ready) context.Response.Headers.RetryAfter = "1";
        var body = new Readiness(
            ready ? "ready" : "unavailable",
            report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).ToArray(),
            report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "up" : "down"));
        return TypedResults.Json(body, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    public sealed record Readiness(string Status, string[] Down, Dictionary<string, string> Checks);
}
