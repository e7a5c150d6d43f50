using FlashSale.Load.Metrics;
using Prometheus;

namespace FlashSale.Load.Live;

/// <summary>
/// <c>--metrics-listen HOST:PORT</c>: the tool's own live figures on <c>/metrics</c> in Prometheus format during the
/// run, for the same dashboard as the service's. A registry of its own, so nothing of a service in the same process
/// (the tests) mixes in; updated at every 0.5 s sample.
/// </summary>
public sealed class LiveMetricsExporter : IDisposable
{
    private readonly MetricServer _server;
    private readonly Counter _answers, _sent, _dropped, _late;
    private readonly Gauge _inFlight, _p50, _p99, _rate, _cpu, _remaining;

    public LiveMetricsExporter(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _answers = factory.CreateCounter("flashsale_rehearsal_answers_total", "Claim requests answered, by outcome.", "outcome");
        _sent = factory.CreateCounter("flashsale_rehearsal_sent_total", "Claim requests sent.");
        _dropped = factory.CreateCounter("flashsale_rehearsal_dropped_total", "Arrivals never sent: too many requests outstanding.");
        _late = factory.CreateCounter("flashsale_rehearsal_late_total", "Requests sent later than --late-after behind the plan.");
        _inFlight = factory.CreateGauge("flashsale_rehearsal_in_flight", "Claim requests outstanding.");
        _p50 = factory.CreateGauge("flashsale_rehearsal_latency_p50_seconds", "p50 of every answer so far, from its intended start.");
        _p99 = factory.CreateGauge("flashsale_rehearsal_latency_p99_seconds", "p99 of every answer so far, from its intended start.");
        _rate = factory.CreateGauge("flashsale_rehearsal_answers_per_second", "Answers per second over the last 0.5 s.");
        _cpu = factory.CreateGauge("flashsale_rehearsal_generator_cpu_share", "The tool's CPU over the last 0.5 s, as a share of all cores.");
        _remaining = factory.CreateGauge("flashsale_rehearsal_stock_remaining", "The sale's remaining units, as the admin API last said.");
        _server = new MetricServer(hostPort[..colon] is "0.0.0.0" or "" ? "+" : hostPort[..colon], int.Parse(hostPort[(colon + 1)..]), "metrics/", registry);
        _server.Start();
    }

    public void Update(ProgressSnapshot s, double cpuShare, long sent)
    {
        foreach (var (outcome, count) in s.Counts) _answers.WithLabels(outcome.Name()).IncTo(count);
        _sent.IncTo(sent);
        _dropped.IncTo(s.Dropped);
        _late.IncTo(s.Late);
        _inFlight.Set(s.InFlight);
        _p50.Set(s.P50Ms / 1000);
        _p99.Set(s.P99Ms / 1000);
        _rate.Set(s.RequestsPerSecond);
        _cpu.Set(cpuShare);
        if (s.StockRemaining is { } r) _remaining.Set(r);
    }

    public void Dispose() => _server.Stop();
}
