using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;

namespace FlashSale.Service.Ops;

/// <summary>
/// The HTTP series of prometheus-net's <c>UseHttpMetrics</c> (same names, labels and buckets), recorded by one
/// middleware that keeps each label combination's series at hand. prometheus-net ran three middlewares, each
/// building a label array and looking its series up per request, and attached exemplars: a visible share of the
/// claim endpoint's CPU, for three numbers. Minimal APIs have no controller or action: both stay empty.
/// </summary>
public static class HttpMetrics
{
    private static readonly string[] Labels = ["code", "method", "controller", "action", "endpoint"];

    private static readonly Counter Received = Metrics.CreateCounter("http_requests_received_total",
        "Provides the count of HTTP requests that have been processed by the ASP.NET Core pipeline.",
        new CounterConfiguration { LabelNames = Labels, ExemplarBehavior = ExemplarBehavior.NoExemplars() });

    private static readonly Histogram Duration = Metrics.CreateHistogram("http_request_duration_seconds",
        "The duration of HTTP requests processed by an ASP.NET Core application.",
        new HistogramConfiguration
        {
            LabelNames = Labels,
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
            ExemplarBehavior = ExemplarBehavior.NoExemplars(),
        });

    private static readonly Gauge InProgress = Metrics.CreateGauge("http_requests_in_progress",
        "The number of requests currently in progress in the ASP.NET Core pipeline.",
        "method", "controller", "action", "endpoint");

    // Bounded by routes x methods x status codes, as the labels themselves are.
    private static readonly ConcurrentDictionary<(string Endpoint, string Method, int Code), (Counter.Child Count, Histogram.Child Time)> Done = new();
    private static readonly ConcurrentDictionary<(string Endpoint, string Method), Gauge.Child> Running = new();

    /// <summary>Place after routing (an endpoint is known) and before authentication (401/403 are counted too).</summary>
    public static IApplicationBuilder UseFlashSaleHttpMetrics(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = Begin(context);
        try
        {
            await next(context);
        }
        finally
        {
            request.End(context);
        }
    });

    /// <summary>Counts a request in progress until <see cref="Request.End"/>; for endpoints that skip the middleware.</summary>
    public static Request Begin(HttpContext context)
    {
        var endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
        var method = context.Request.Method;
        var running = Running.GetOrAdd((endpoint, method), static key => InProgress.WithLabels(key.Method, "", "", key.Endpoint));
        running.Inc();
        return new Request(endpoint, method, running, Stopwatch.GetTimestamp());
    }

    public readonly record struct Request(string Endpoint, string Method, Gauge.Child Running, long Started)
    {
        /// <summary>Records the answered request under its status code.</summary>
        public void End(HttpContext context)
        {
            Running.Dec();
            var (count, time) = Done.GetOrAdd((Endpoint, Method, context.Response.StatusCode), static key =>
            {
                var code = key.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return (Received.WithLabels(code, key.Method, "", "", key.Endpoint), Duration.WithLabels(code, key.Method, "", "", key.Endpoint));
            });
            count.Inc();
            time.Observe(Stopwatch.GetElapsedTime(Started).TotalSeconds);
        }
    }
}
