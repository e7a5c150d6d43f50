using System.Diagnostics;
using System.Globalization;

namespace FlashSale.Load.Service;

/// <summary>
/// What the service said of itself during the run, read from its <c>/metrics</c> once a second: its queue lag (claims
/// queued, not yet confirmed), the stock it shows, its payment outcomes, and its own admit latency (the Redis decision,
/// without the network and queueing the tool's latency includes). A scrape that fails is counted, never fatal.
/// </summary>
public sealed class ServiceMetricsScraper(HttpClient http, IReadOnlyCollection<string> saleIds, long started)
{
    private const string AdmitBuckets = "flashsale_admit_duration_seconds_bucket";
    private readonly List<ServiceSample> _samples = [];
    private List<(double Le, double Count)>? _lastAdmit;
    private int _failures;

    public int Failures => _failures;

    public IReadOnlyList<ServiceSample> Samples
    {
        get { lock (_samples) return _samples.ToArray(); }
    }

    public async Task RunAsync(TimeSpan every, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            do await ScrapeAsync(ct);
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run is over: one last look, so a run shorter than a scrape interval still shows where the service ended.
            using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ScrapeAsync(last.Token);
        }
    }

    public async Task ScrapeAsync(CancellationToken ct)
    {
        string text;
        try
        {
            text = await http.GetStringAsync("metrics", ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failures);
            return;
        }
        var samples = PrometheusText.Parse(text);
        double? Sum(string name, Func<IReadOnlyDictionary<string, string>, bool>? where = null)
        {
            var matching = samples.Where(s => s.Name == name && (where is null || where(s.Labels))).ToList();
            return matching.Count == 0 ? null : matching.Sum(s => s.Value);
        }
        var admit = samples.Where(s => s.Name == AdmitBuckets && s.Labels.ContainsKey("le"))
            .GroupBy(s => s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], CultureInfo.InvariantCulture))
            .Select(g => (Le: g.Key, Count: g.Sum(s => s.Value))).OrderBy(b => b.Le).ToList();
        double? p50 = null, p99 = null;
        if (_lastAdmit is not null && admit.Count > 0)
        {
            p50 = PrometheusText.Quantile(0.50, _lastAdmit, admit) * 1000;
            p99 = PrometheusText.Quantile(0.99, _lastAdmit, admit) * 1000;
        }
        if (admit.Count > 0) _lastAdmit = admit;
        var payments = samples.Where(s => s.Name == "flashsale_payments_total" && s.Labels.ContainsKey("outcome"))
            .GroupBy(s => s.Labels["outcome"]).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        var sample = new ServiceSample(
            Stopwatch.GetElapsedTime(started).TotalSeconds,
            Sum("flashsale_queue_pending", l => saleIds.Contains(l.GetValueOrDefault("sale") ?? "")) ?? Sum("flashsale_queue_pending"),
            Sum("flashsale_stock_remaining", l => saleIds.Contains(l.GetValueOrDefault("sale") ?? "")),
            payments,
            Sum("flashsale_claims_total", l => saleIds.Contains(l.GetValueOrDefault("sale") ?? "")),
            p50, p99);
        lock (_samples) _samples.Add(sample);
    }
}

/// <param name="AtSeconds">From the start of the rehearsal's traffic.</param>
/// <param name="QueuePending">Claims queued and not yet acknowledged by a worker (the queue's lag), the run's sales' when the service names them.</param>
/// <param name="Payments">Cumulative gateway calls by outcome (succeeded, declined, transient, circuit_open), every sale.</param>
/// <param name="AdmitP50Ms">The service's admit decision since the last scrape, from its histogram's buckets; null when none.</param>
public sealed record ServiceSample(
    double AtSeconds, double? QueuePending, double? StockRemaining, IReadOnlyDictionary<string, double> Payments, double? Claims,
    double? AdmitP50Ms, double? AdmitP99Ms);
