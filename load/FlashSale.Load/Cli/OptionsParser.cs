using System.Globalization;
using FlashSale.Load.Verdict;

namespace FlashSale.Load.Cli;

/// <summary>Parses <c>--name value</c> or <c>--name=value</c> flags into <see cref="LoadOptions"/>.</summary>
public static class OptionsParser
{
    public const string Usage = """
        FlashSale rehearsal: pushes the storefront API with a crowd, then audits the sale's invariants.

        Usage: FlashSale.Load [flags]            (make rehearse ARGS="--users 50000 --stock 5000")
               FlashSale.Load verify --url URL --sale ID   checks a waiting-room sale's shuffle (verify --help)

        Target
          --url URL                 service base address            [http://127.0.0.1:8080]
          --admin-key KEY           admin bearer key                 [dev-admin-key]
          --storefront-key KEY      storefront bearer key            [dev-storefront-key]
          --sale ID                 rehearse on this live sale instead of creating one
          --stock N                 units of the sale the tool creates          [500]

        Crowd
          --scenario NAME           flash-crowd | steady | ramp                  [flash-crowd]
          --model NAME              open (arrival rate) | closed (K users)       [open]
          --users N                 distinct buyers (flash-crowd, closed model)  [5000]
          --arrival-window DUR      flash-crowd: first clicks spread over this   [5s]
          --rate R                  steady: arrivals/s; ramp: final rate         [1000]
          --rate-start R            ramp: first step's rate                      [rate/10]
          --steps N                 ramp: number of steps                        [5]
          --duration DUR            steady/ramp length; closed model time limit  [10s]
          --concurrency K           closed model: buyers in flight at once       [64]
          --checkout MODE           immediate | hold (claim, then check out)     [immediate]
          --hold-seconds N          hold: how long a created sale holds a unit   [30]
          --abandon-share F         hold: share of winners who never pay         [0]
          --decline-share F         share paying with pm_card_chargeDeclined     [0.05]
          --double-click-share F    flash-crowd: share clicking twice            [0.10]
          --retries N               flash-crowd: retries after timeout/429/503   [2]
          --seed N                  random seed for arrivals and payment methods [42]

        Waiting room (the tool creates a sale with one; flash-crowd, open model)
          --waiting-room            every buyer joins the pre-queue before the start, polls, claims when admitted;
                                    audits the fairness of the order (invariant 7) and verifies the shuffle
          --outflow N               outflowPerMinute of the sale                 [60000, the contract's default]
          --token-seconds N         tokenSeconds of the sale                     [120]
          --prequeue-minutes N      prequeueMinutes of the sale   [just enough to be open from now]
          --start-lead DUR          from the last planned join to startsAt       [10s]
                                    (--arrival-window spreads the joins; --decline-share defaults to 0 here)

        Client
          --connections N           HTTP connections to the target               [256]
          --max-in-flight N         open model: drop arrivals beyond this many outstanding [20000]
          --late-after DUR          open model: a send this late counts as late  [10ms]
          --timeout DUR             per-request timeout                          [10s]

        Verdict
          --threshold EXPR          repeatable, quoted in a shell: 'p99<20ms', 'admitted.p99.9<50ms', 'errors<0.1%',
                                    dropped<1%, late<5%, rps>1000, errors<10 (a count)
          --thresholds-file PATH    JSON: {"thresholds": ["p99<20ms", "errors<0.1%"]}
                                    (default thresholds when neither is given: errors<0.1%, p99<1000ms)
          --settle DUR              time for every 202 claim to become terminal  [60s]
          --poll-limit N            claims polled one by one at the end, 0 = all [0]

        Output
          --out DIR                 report directory                             [load/reports]
          --progress MODE           auto | live | plain | none                   [auto]
          --help

        Durations: 500ms, 10s, 2m (a bare number is seconds).
        """;

    /// <summary>Null options and a message when the command line is wrong; null message on --help.</summary>
    public static (LoadOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var o = new LoadOptions();
        var thresholds = new List<string>();
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                var arg = args[i];
                if (arg is "--help" or "-h") return (null, null);
                if (!arg.StartsWith("--", StringComparison.Ordinal)) return (null, $"Unexpected argument '{arg}'.");
                if (arg == "--waiting-room")
                {
                    o = o with { WaitingRoom = true };
                    continue;
                }
                string name, value;
                var eq = arg.IndexOf('=');
                if (eq > 0) (name, value) = (arg[2..eq], arg[(eq + 1)..]);
                else
                {
                    if (i + 1 >= args.Count) return (null, $"Flag {arg} needs a value.");
                    (name, value) = (arg[2..], args[++i]);
                }
                o = name switch
                {
                    "url" => o with { Url = new Uri(value.TrimEnd('/') + "/", UriKind.Absolute) },
                    "admin-key" => o with { AdminKey = value },
                    "storefront-key" => o with { StorefrontKey = value },
                    "sale" => o with { SaleId = value },
                    "stock" => o with { Stock = Int(value, 1, 10_000_000, name) },
                    "scenario" => o with { Scenario = value switch
                    {
                        "flash-crowd" => Scenario.FlashCrowd, "steady" => Scenario.Steady, "ramp" => Scenario.Ramp,
                        _ => throw new FormatException("--scenario must be flash-crowd, steady or ramp."),
                    } },
                    "model" => o with { Model = value switch
                    {
                        "open" => LoadModel.Open, "closed" => LoadModel.Closed,
                        _ => throw new FormatException("--model must be open or closed."),
                    } },
                    "users" => o with { Users = Int(value, 1, 100_000_000, name) },
                    "arrival-window" => o with { ArrivalWindow = Duration(value, name) },
                    "rate" => o with { Rate = Double(value, 0.001, 10_000_000, name) },
                    "rate-start" => o with { RateStart = Double(value, 0.001, 10_000_000, name) },
                    "steps" => o with { Steps = Int(value, 1, 1000, name) },
                    "duration" => o with { Duration = Duration(value, name) },
                    "concurrency" => o with { Concurrency = Int(value, 1, 100_000, name) },
                    "connections" => o with { Connections = Int(value, 1, 100_000, name) },
                    "max-in-flight" => o with { MaxInFlight = Int(value, 1, 10_000_000, name) },
                    "late-after" => o with { LateAfter = Duration(value, name) },
                    "timeout" => o with { Timeout = Duration(value, name) },
                    "decline-share" => o with { DeclineShare = Double(value, 0, 1, name) },
                    "waiting-room" => o with { WaitingRoom = value switch
                    {
                        "true" => true, "false" => false, _ => throw new FormatException("--waiting-room takes no value (or =true, =false)."),
                    } },
                    "outflow" => o with { OutflowPerMinute = Int(value, 1, 10_000_000, name) },
                    "token-seconds" => o with { TokenSeconds = Int(value, 10, 3600, name) },
                    "prequeue-minutes" => o with { PrequeueMinutes = Int(value, 0, 1440, name) },
                    "start-lead" => o with { StartLead = Duration(value, name) },
                    "checkout" => value is "immediate" or "hold" ? o with { Checkout = value } : throw new FormatException("--checkout is immediate or hold."),
                    "hold-seconds" => o with { HoldSeconds = Int(value, 30, 3600, name) },
                    "abandon-share" => o with { AbandonShare = Double(value, 0, 1, name) },
                    "double-click-share" => o with { DoubleClickShare = Double(value, 0, 1, name) },
                    "retries" => o with { Retries = Int(value, 0, 100, name) },
                    "settle" => o with { Settle = Duration(value, name) },
                    "poll-limit" => o with { PollLimit = Int(value, 0, int.MaxValue, name) },
                    "threshold" => AddThreshold(o, thresholds, value),
                    "thresholds-file" => o with { ThresholdFile = value },
                    "out" => o with { OutputDirectory = value },
                    "seed" => o with { Seed = Int(value, int.MinValue, int.MaxValue, name) },
                    "progress" => o with { Progress = value switch
                    {
                        "auto" => ProgressMode.Auto, "live" => ProgressMode.Live, "plain" => ProgressMode.Plain, "none" => ProgressMode.None,
                        _ => throw new FormatException("--progress must be auto, live, plain or none."),
                    } },
                    _ => throw new FormatException($"Unknown flag --{name}."),
                };
            }
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        if (o.WaitingRoom)
        {
            if (o.SaleId is not null) return (null, "--waiting-room creates its own sale: it cannot rehearse on --sale.");
            if (o.Scenario != Scenario.FlashCrowd || o.Model != LoadModel.Open) return (null, "--waiting-room is a flash crowd in the open model.");
            var needed = (int)Math.Ceiling((o.ArrivalWindow + o.StartLead).TotalMinutes);
            if (o.PrequeueMinutes < needed)
                return (null, $"--prequeue-minutes {o.PrequeueMinutes} opens the queue after the first joins; the start is {needed} min away at most.");
            // A declined card gives its unit to a ticket further back, so the winners could not be the first tickets.
            if (!args.Any(a => a == "--decline-share" || a.StartsWith("--decline-share=", StringComparison.Ordinal))) o = o with { DeclineShare = 0 };
        }
        return (o with { Thresholds = thresholds }, null);
    }

    private static LoadOptions AddThreshold(LoadOptions o, List<string> thresholds, string value)
    {
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Threshold.Parse(part); // fail early on a typo
            thresholds.Add(part);
        }
        return o;
    }

    private static int Int(string value, int min, int max, string name) =>
        int.TryParse(value.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n : throw new FormatException($"--{name} must be an integer from {min} to {max}.");

    private static double Double(string value, double min, double max, string name) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= min && d <= max
            ? d : throw new FormatException($"--{name} must be a number from {min} to {max}.");

    public static TimeSpan Duration(string value, string name)
    {
        var (number, scale) = value switch
        {
            var v when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], 1.0),
            var v when v.EndsWith("us", StringComparison.Ordinal) => (v[..^2], 0.001),
            var v when v.EndsWith('s') => (v[..^1], 1000.0),
            var v when v.EndsWith('m') => (v[..^1], 60_000.0),
            var v => (v, 1000.0),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? TimeSpan.FromMilliseconds(d * scale) : throw new FormatException($"--{name} must be a duration such as 500ms, 10s or 2m.");
    }
}
