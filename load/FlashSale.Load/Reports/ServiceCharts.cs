using FlashSale.Load.Metrics;
using FlashSale.Load.Service;
using ScottPlot;

namespace FlashSale.Load.Reports;

/// <summary>The service's own metrics (its /metrics, once a second) charted beside the tool's figures.</summary>
public static class ServiceCharts
{
    public static IEnumerable<(string Name, string Title, byte[] Png)> Render(IReadOnlyList<ServiceSample> s, IReadOnlyList<Bucket> tool)
    {
        var queue = Charts.New("claims / units");
        var q = s.Where(x => x.QueuePending is not null).ToList();
        Charts.Line(queue, q.Select(x => x.AtSeconds).ToArray(), q.Select(x => x.QueuePending!.Value).ToArray(), "queue lag (claims queued, not yet confirmed)", Colors.OrangeRed);
        var stock = s.Where(x => x.StockRemaining is not null).ToList();
        Charts.Line(queue, stock.Select(x => x.AtSeconds).ToArray(), stock.Select(x => x.StockRemaining!.Value).ToArray(), "stock remaining (service gauge)", Colors.SteelBlue);
        yield return ("service-queue-stock", "Service: queue lag and stock remaining (its /metrics)", Charts.Png(queue, Alignment.UpperRight));

        var payments = Charts.New("gateway calls (cumulative, since the first scrape)");
        var colors = new[] { Colors.Green, Colors.Red, Colors.Orange, Colors.Purple, Colors.Gray };
        var outcomes = s.SelectMany(x => x.Payments.Keys).Distinct().Order().ToList();
        var first = s[0].Payments;
        foreach (var (outcome, i) in outcomes.Select((o, i) => (o, i)))
            Charts.Line(payments, s.Select(x => x.AtSeconds).ToArray(),
                s.Select(x => x.Payments.GetValueOrDefault(outcome) - first.GetValueOrDefault(outcome)).ToArray(), outcome, colors[i % colors.Length]);
        yield return ("service-payments", "Service: payment outcomes (its /metrics)", Charts.Png(payments));

        var latency = Charts.New("latency (ms)");
        var a = s.Where(x => x.AdmitP99Ms is not null).ToList();
        Charts.Line(latency, a.Select(x => x.AtSeconds).ToArray(), a.Select(x => x.AdmitP50Ms ?? 0).ToArray(), "service admit p50 (Redis decision)", Colors.SteelBlue);
        Charts.Line(latency, a.Select(x => x.AtSeconds).ToArray(), a.Select(x => x.AdmitP99Ms!.Value).ToArray(), "service admit p99", Colors.Navy);
        var answered = tool.Where(x => x.Total > 0).ToList();
        Charts.Line(latency, answered.Select(x => x.AtSeconds).ToArray(), answered.Select(x => x.P99Ms).ToArray(), "tool p99 (every answer, from intended start)", Colors.OrangeRed);
        yield return ("service-admit-latency", "Service admit latency (its /metrics) beside the tool's", Charts.Png(latency));
    }
}
