using System.Diagnostics;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Pool;
using FlashSale.Service.Redis;
using HdrHistogram;
using StackExchange.Redis;

namespace FlashSale.Benchmarks;

/// <summary>
/// Target 5, "cost stays flat as the sale grows": the real admit call (AdmitScript, admit.lua by SHA) timed
/// one by one against the real Redis, side A on sales of 1,000 units (the next sale when one sells out, so
/// every sample is a full admit) and side B on one sale of 10,000,000, interleaved so that whatever else the
/// machine runs hits both sides alike. See docs/performance.md, target 5.
/// </summary>
public static class FlatCost
{
    private const int SmallStock = 1_000;
    private const int BigStock = 10_000_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = FlatCostOptions.Parse(args);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

        var config = ConfigurationOptions.Parse(o.Redis);
        config.AllowAdmin = true; // INFO commandstats, read only
        await using var redis = await ConnectionMultiplexer.ConnectAsync(config);
        var scripts = new RedisScripts();
        await OwnPools.LoadScriptsAsync(redis, scripts);
        var admit = new AdmitScript(redis, scripts, new OwnPools());
        var db = redis.GetDatabase();

        var perSide = (long)o.Rounds * o.PerRound + o.Warmup;
        var small = Enumerable.Range(0, (int)(perSide / SmallStock) + 1).Select(_ => Ids.NewSaleId()).ToArray();
        var big = Ids.NewSaleId();
        Console.WriteLine($"flat-cost: {o}; {small.Length} sales of {SmallStock:N0} vs one of {BigStock:N0}; load {LoadAverage()}");
        try
        {
            foreach (var sale in small) await PreloadAsync(db, scripts, sale, SmallStock);
            await PreloadAsync(db, scripts, big, BigStock);

            var a = new Side("stock 1,000", t => small[t / SmallStock]);
            var b = new Side("stock 10,000,000", _ => big);
            if (o.Prefill > 0)
            {
                var clock = Stopwatch.StartNew();
                await RunPhaseAsync(admit, [b], o.Prefill, Math.Max(o.InFlight, 64), record: false, stop.Token);
                Console.WriteLine($"prefilled the 10M sale with {o.Prefill:N0} admits in {clock.Elapsed.TotalSeconds:F0} s; load {LoadAverage()}");
            }
            await RunPhaseAsync(admit, [a, b], o.Warmup, o.InFlight, record: false, stop.Token);
            a.Reset();
            b.Reset();

            for (var round = 0; round < o.Rounds && !stop.IsCancellationRequested; round++)
            {
                if (o.Mixed) await RunPhaseAsync(admit, [a, b], o.PerRound, o.InFlight, record: true, stop.Token);
                else
                {
                    // ABBA order: a slow drift of the machine's load favours neither side.
                    Side[] order = round % 2 == 0 ? [a, b] : [b, a];
                    foreach (var side in order)
                    {
                        var before = await EvalShaStatsAsync(db);
                        await RunPhaseAsync(admit, [side], o.PerRound, o.InFlight, record: true, stop.Token);
                        side.AddServerTime(before, await EvalShaStatsAsync(db), o.PerRound);
                    }
                }
                a.EndRound();
                b.EndRound();
                Console.WriteLine($"round {round + 1,2}: p99 A {Ms(a.Rounds[^1], 99)} ms, B {Ms(b.Rounds[^1], 99)} ms; load {LoadAverage()}");
            }

            await Report(db, big, a, b);
            return a.Failures + b.Failures == 0 ? 0 : 1;
        }
        finally
        {
            // UNLINK: freeing a million-entry hash with DEL would stall the Redis others are measuring on.
            foreach (var sale in small.Append(big))
            {
                var k = new SaleKeys(sale);
                await db.ExecuteAsync("UNLINK", k.Meta, k.Remaining, k.Users, k.Claims, k.Queue);
            }
        }
    }

    // The preload script as the service runs it, but the sale is never added to fs:active-sales: no worker
    // anywhere drains these queues, and the keys are unlinked at the end.
    private static Task PreloadAsync(IDatabase db, RedisScripts scripts, string saleId, int stock)
    {
        var keys = new SaleKeys(saleId);
        var now = DateTimeOffset.UtcNow;
        return scripts.Preload.EvaluateAsync(db, [keys.Meta, keys.Remaining, keys.Queue],
            [now.AddMinutes(-1).ToUnixTimeMilliseconds(), now.AddHours(3).ToUnixTimeMilliseconds(), 1, stock, "flashsale-workers"]);
    }

    /// <summary><paramref name="perSide"/> admits on each side; with two sides, each worker alternates between them.</summary>
    private static async Task RunPhaseAsync(AdmitScript admit, Side[] sides, long perSide, int inFlight, bool record, CancellationToken stop)
    {
        long issued = 0;
        var total = perSide * sides.Length;
        var workers = Enumerable.Range(0, inFlight).Select(async _ =>
        {
            var local = sides.Select(_ => NewHistogram()).ToArray();
            long i;
            while ((i = Interlocked.Increment(ref issued)) <= total && !stop.IsCancellationRequested)
            {
                var s = (int)(i % sides.Length);
                var side = sides[s];
                var ticket = Interlocked.Increment(ref side.Ticket) - 1;
                // Same-length user ids on both sides, so neither side's strings are bigger.
                var user = "u" + ticket.ToString("D10");
                var started = Stopwatch.GetTimestamp();
                var result = await admit.RunAsync(side.Sale(ticket), user, 1, "pm_card_visa", Ids.NewClaimId());
                var micros = Stopwatch.GetElapsedTime(started).Ticks / 10;
                if (result.Outcome != "admitted") Interlocked.Increment(ref side.Failures);
                else if (record) local[s].RecordValue(Math.Max(1, micros));
            }
            return local;
        }).ToArray();
        foreach (var perWorker in await Task.WhenAll(workers))
            for (var s = 0; s < sides.Length; s++) sides[s].Current.Add(perWorker[s]);
    }

    /// <summary>Redis's own count and time of EVALSHA, server-wide: only a phase in which nobody else ran one is ours alone.</summary>
    private static async Task<(long Calls, long Usec)> EvalShaStatsAsync(IDatabase db)
    {
        var info = (string)(await db.ExecuteAsync("INFO", "commandstats"))!;
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_evalsha:", StringComparison.Ordinal))?.Trim() ?? "";
        var fields = line[(line.IndexOf(':') + 1)..].Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        return (long.Parse(fields.GetValueOrDefault("calls", "0")), long.Parse(fields.GetValueOrDefault("usec", "0")));
    }

    private static LongHistogram NewHistogram() => new(TimeSpan.FromSeconds(60).Ticks / 10, 3);

    private static async Task Report(IDatabase db, string big, Side a, Side b)
    {
        var keys = new SaleKeys(big);
        var users = await db.HashLengthAsync(keys.Users);
        var stream = await db.StreamInfoAsync(keys.Queue);
        Console.WriteLine();
        Console.WriteLine($"10M sale at the end: {users:N0} entries in each hash, {stream.Length:N0} in the queue stream; load {LoadAverage()}");
        Console.WriteLine("| side | admits | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | per-round p99 min / median / max ms |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var side in new[] { a, b })
        {
            var h = side.Total;
            var p99s = side.Rounds.Select(r => r.GetValueAtPercentile(99) / 1000.0).Order().ToArray();
            Console.WriteLine($"| {side.Name} | {h.TotalCount:N0} | {Ms(h, 50)} | {Ms(h, 90)} | {Ms(h, 99)} | {Ms(h, 99.9)} | {h.GetMaxValue() / 1000.0:F3} | "
                + $"{p99s[0]:F3} / {p99s[p99s.Length / 2]:F3} / {p99s[^1]:F3} |");
        }
        foreach (var p in new[] { 50, 90, 99, 99.9 })
            Console.WriteLine($"B vs A at p{p}: {Diff(b.Total, a.Total, p):+0.0;-0.0}%");
        foreach (var side in new[] { a, b }.Where(s => s.ServerCalls > 0))
            Console.WriteLine($"{side.Name}: {side.ServerUsec / (double)side.ServerCalls:F1} µs per admit inside Redis (commandstats, "
                + $"{side.ServerCalls:N0} admits; {side.SharedPhases} phases left out because other clients ran EVALSHA too)");
        var bSlower = a.Rounds.Zip(b.Rounds).Count(r => r.Second.GetValueAtPercentile(99) > r.First.GetValueAtPercentile(99));
        Console.WriteLine($"rounds where B's p99 > A's: {bSlower} of {a.Rounds.Count}");
        if (a.Failures + b.Failures > 0) Console.WriteLine($"NOT ADMITTED: A {a.Failures}, B {b.Failures} (samples excluded; the run is invalid)");
    }

    private static double Diff(HistogramBase x, HistogramBase y, double p) =>
        100.0 * (x.GetValueAtPercentile(p) - y.GetValueAtPercentile(p)) / y.GetValueAtPercentile(p);

    private static string Ms(HistogramBase h, double p) => (h.GetValueAtPercentile(p) / 1000.0).ToString("F3");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]) : "n/a";

    private sealed class Side(string name, Func<long, string> sale)
    {
        public string Name { get; } = name;
        public Func<long, string> Sale { get; } = sale;
        public long Ticket;
        public int Failures;
        public LongHistogram Current { get; private set; } = NewHistogram();
        public LongHistogram Total { get; } = NewHistogram();
        public List<LongHistogram> Rounds { get; } = [];

        public void EndRound()
        {
            Total.Add(Current);
            Rounds.Add(Current);
            Current = NewHistogram();
        }

        public void Reset() => Current = NewHistogram();

        public long ServerCalls;
        public long ServerUsec;
        public int SharedPhases;

        public void AddServerTime((long Calls, long Usec) before, (long Calls, long Usec) after, long admits)
        {
            if (after.Calls - before.Calls != admits) { SharedPhases++; return; }
            ServerCalls += admits;
            ServerUsec += after.Usec - before.Usec;
        }
    }
}

internal sealed record FlatCostOptions(string Redis, int Rounds, long PerRound, int InFlight, long Warmup, long Prefill, bool Mixed)
{
    public static FlatCostOptions Parse(string[] args)
    {
        var o = new FlatCostOptions("127.0.0.1:6390,defaultDatabase=8", 100, 1_000, 16, 2_000, 0, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--redis" => o with { Redis = Next() },
                "--rounds" => o with { Rounds = int.Parse(Next()) },
                "--per-round" => o with { PerRound = long.Parse(Next()) },
                "--in-flight" => o with { InFlight = int.Parse(Next()) },
                "--warmup" => o with { Warmup = long.Parse(Next()) },
                "--prefill" => o with { Prefill = long.Parse(Next()) },
                "--mixed" => o with { Mixed = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}
