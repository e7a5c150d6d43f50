using FlashSale.Service.Ops;

namespace FlashSale.Service.Hosting;

/// <summary>
/// The middlewares every endpoint runs, in order, each with a name. The one short-circuited endpoint
/// (<see cref="Claims.ClaimEndpoint"/>) skips them all and must say, for each name, what it does instead or why it
/// needs nothing (<see cref="Claims.ClaimEndpoint.Mirrors"/>); a test fails when one is added here and not there.
/// Middlewares are added only through this list.
/// </summary>
public static class RequestPipeline
{
    public static IReadOnlyList<(string Name, Action<WebApplication> Use)> Middlewares { get; } =
    [
        ("correlation-id", app => app.UseCorrelationId()),
        ("exception-handler", app => app.UseExceptionHandler()),
        ("status-code-pages", app => app.UseStatusCodePages()),
        ("http-metrics", app => app.UseFlashSaleHttpMetrics()),
        ("authentication", app => app.UseAuthentication()),
        ("authorization", app => app.UseAuthorization()),
    ];
}
