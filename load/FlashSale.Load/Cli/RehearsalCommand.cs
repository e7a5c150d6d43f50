using System.CommandLine;
using FlashSale.Load.Fairness;
using FlashSale.Load.Verdict;
using static FlashSale.Load.Cli.OptionValues;

namespace FlashSale.Load.Cli;

/// <summary>
/// The rehearsal's command line on System.CommandLine: every flag with its default, the <c>verify</c> subcommand, and
/// the cross-flag rules no single option can check.
/// </summary>
public sealed class RehearsalCommand
{
    private static readonly LoadOptions D = new();

    private readonly Option<Uri> _url = new("--url")
    {
        Description = "service base address", DefaultValueFactory = _ => D.Url,
        CustomParser = r => Uri.TryCreate(r.Tokens.Single().Value.TrimEnd('/') + "/", UriKind.Absolute, out var u) ? u : Refuse<Uri>(r, "--url must be an absolute address."),
    };
    private readonly Option<string?> _adminKey = Text("--admin-key", "admin bearer key", D.AdminKey);
    private readonly Option<string?> _storefrontKey = Text("--storefront-key", "storefront bearer key", D.StorefrontKey);
    private readonly Option<string?> _sale = Text("--sale", "rehearse on this live sale instead of creating one");
    private readonly Option<int> _stock = Int("--stock", D.Stock, 1, 10_000_000, "units of the sale the tool creates (of each, with --sales)");
    private readonly Option<int> _sales = Int("--sales", D.Sales, 1, 1000, "sales the tool creates, alike, the crowd spread over them; each audited on its own");
    private readonly Option<int> _salesPerBuyer = Int("--sales-per-buyer", D.SalesPerBuyer, 1, 1000,
        "--sales: each buyer claims on this many of them at once (buyer n on sales n, n+1, ... mod N)");

    private readonly Option<string> _scenario = Choice("--scenario", "flash-crowd", "flash-crowd | steady | ramp", "flash-crowd", "steady", "ramp");
    private readonly Option<string> _model = Choice("--model", "open", "open (arrival rate) | closed (K buyers in a loop)", "open", "closed");
    private readonly Option<int> _users = Int("--users", D.Users, 1, 100_000_000, "distinct buyers (flash-crowd, closed model)");
    private readonly Option<string?> _usersFile = Text("--users-file", "CSV with a userId column (and paymentMethodId, optional): the buyers, one a row; replaces --users");
    private readonly Option<TimeSpan> _arrivalWindow = Duration("--arrival-window", D.ArrivalWindow, "flash-crowd: first clicks spread over this");
    private readonly Option<double> _rate = Double("--rate", D.Rate, 0.001, 10_000_000, "steady: arrivals/s; ramp: the final rate");
    private readonly Option<double?> _rateStart = OptionalDouble("--rate-start", 0.001, 10_000_000, "ramp: the first step's rate [rate/10]");
    private readonly Option<string[]> _stage = new("--stage")
    {
        Description = "k6-style stages, repeatable or comma-separated: 30s:1000,1m:5000,30s:0 (duration:target arrivals/s, linear from 0)",
    };
    private readonly Option<int> _steps = Int("--steps", D.Steps, 1, 1000, "ramp: number of steps");
    private readonly Option<TimeSpan> _duration = Duration("--duration", D.Duration, "steady/ramp length; closed model time limit");
    private readonly Option<int> _concurrency = Int("--concurrency", D.Concurrency, 1, 100_000, "closed model: buyers in flight at once");
    private readonly Option<string> _checkout = Choice("--checkout", D.Checkout, "immediate | hold (claim, then check out)", "immediate", "hold");
    private readonly Option<int> _holdSeconds = Int("--hold-seconds", D.HoldSeconds, 30, 3600, "hold: how long a created sale holds a unit");
    private readonly Option<double> _abandonShare = Double("--abandon-share", D.AbandonShare, 0, 1, "hold: share of winners who never pay");
    private readonly Option<double> _declineShare = Double("--decline-share", D.DeclineShare, 0, 1, "share paying with pm_card_chargeDeclined (0 by default with --waiting-room)");
    private readonly Option<double> _doubleClickShare = Double("--double-click-share", D.DoubleClickShare, 0, 1, "flash-crowd: share clicking twice");
    private readonly Option<int> _retries = Int("--retries", D.Retries, 0, 100, "flash-crowd: retries after a timeout, 429 or 503");
    private readonly Option<TimeSpan> _pollClaim = Duration("--poll-claim", D.PollClaimEvery,
        "each winner polls their claim this often until it ends, for click-to-paid times (paid.p99<15s), e.g. 1s; 0 = leave after the click");
    private readonly Option<int> _quantity = Int("--quantity", D.Quantity, 1, 100, "units each buyer claims (the sale the tool creates allows that many per user)");
    private readonly Option<int> _poolShards = Int("--pool-shards", D.PoolShards, 1, 64,
        "the sales the tool creates split their stock over this many Redis pools (poolShards; not with --waiting-room)");
    private readonly Option<int> _seed = Int("--seed", D.Seed, int.MinValue, int.MaxValue, "random seed for arrivals and payment methods");
    private readonly Option<TimeSpan?> _startsIn = OptionalDuration("--starts-in",
        "flash-crowd: create the sale this far in the future and rehearse its opening (early buyers refresh until T0; the report shows its first 10 s)");

    private readonly Option<double> _earlyShare = Double("--early-share", D.EarlyShare, 0, 1, "--starts-in: share of the crowd arriving in the 10 s before T0");
    private readonly Option<TimeSpan> _refreshEvery = Duration("--refresh-every", D.RefreshEvery, "--starts-in: how often an early buyer clicks again until T0");

    private readonly Option<string?> _agents = Text("--agents", "HOST:PORT,... of agents (agent --listen) that send the crowd, a share each; this process coordinates, audits, reports");

    private readonly Option<bool> _waitingRoom = new("--waiting-room")
    {
        Description = "every buyer joins the pre-queue before the start, polls, claims when admitted; audits invariant 7",
    };
    private readonly Option<int> _outflow = Int("--outflow", D.OutflowPerMinute, 1, 10_000_000, "waiting room: outflowPerMinute of the sale");
    private readonly Option<int> _tokenSeconds = Int("--token-seconds", D.TokenSeconds, 10, 3600, "waiting room: tokenSeconds of the sale");
    private readonly Option<int?> _prequeueMinutes = OptionalInt("--prequeue-minutes", 0, 1440, "waiting room: prequeueMinutes [just enough to be open from now]");
    private readonly Option<TimeSpan> _startLead = Duration("--start-lead", D.StartLead, "waiting room: from the last planned join to startsAt");

    private readonly Option<int> _connections = Int("--connections", D.Connections, 1, 100_000, "HTTP connections to the target");
    private readonly Option<int> _maxInFlight = Int("--max-in-flight", D.MaxInFlight, 1, 10_000_000, "open model: drop arrivals beyond this many outstanding");
    private readonly Option<TimeSpan> _lateAfter = Duration("--late-after", D.LateAfter, "open model: a send this late counts as late");
    private readonly Option<TimeSpan> _timeout = Duration("--timeout", D.Timeout, "per-request timeout");

    private readonly Option<string[]> _threshold = new("--threshold")
    {
        Description = "repeatable, quoted in a shell: 'p99<20ms', 'admitted.p99.9<50ms', 'errors<0.1%', dropped<1%, late<5%, rps>1000 [errors<0.1%, p99<1000ms]",
    };
    private readonly Option<string?> _thresholdsFile = Text("--thresholds-file", "JSON: {\"thresholds\": [\"p99<20ms\", \"errors<0.1%\"]}");
    private readonly Option<TimeSpan> _settle = Duration("--settle", D.Settle, "time for every 202 claim to become terminal");
    private readonly Option<int> _pollLimit = Int("--poll-limit", D.PollLimit, 0, int.MaxValue, "claims polled one by one at the end, 0 = all");

    private readonly Option<TimeSpan> _maxSendLag = Duration("--max-send-lag", D.MaxSendLag, "self-watch: the generator is saturated past this send lag p99 (exit 11)");
    private readonly Option<double> _maxGeneratorCpu = Double("--max-generator-cpu", D.MaxGeneratorCpu, 0.01, 1,
        "self-watch: ... or when its CPU reaches this share of all cores in a 0.5 s sample");
    private readonly Option<string?> _out = Text("--out", "FILE.json: every figure of the report as JSON (docs/rehearsal-results.md); a directory: where the reports go, as --report-dir");
    private readonly Option<string?> _reportDir = Text("--report-dir", "where the Markdown and HTML reports go", D.OutputDirectory);
    private readonly Option<string?> _csv = Text("--csv", "FILE.csv: the run's timeline, one row per sampled interval");
    private readonly Option<bool> _noScrape = new("--no-scrape") { Description = "do not read the service's /metrics during the run" };
    private readonly Option<string?> _metricsListen = Text("--metrics-listen", "HOST:PORT: the tool's own live figures in Prometheus format on /metrics during the run");
    private readonly Option<string> _progress = Choice("--progress", "auto", "auto | live | plain | none", "auto", "live", "plain", "none");

    /// <param name="rehearse">What the root command does with the options bound (the static <see cref="Parse"/> only binds).</param>
    public RehearsalCommand(Func<LoadOptions, CancellationToken, Task<int>>? rehearse = null)
    {
        Command = new RootCommand(
            "FlashSale rehearsal: pushes the storefront API with a crowd, then audits the sale's invariants.\n" +
            "make rehearse ARGS=\"--users 50000 --stock 5000\". Durations: 500ms, 10s, 2m (a bare number is seconds).\n\nExit codes:\n" +
            string.Join("\n", ExitCodes.All.Select(e => $"  {e.Code,3}  {e.Meaning}")));
        foreach (var option in new Option[]
                 {
                     _url, _adminKey, _storefrontKey, _sale, _stock, _sales, _salesPerBuyer, _scenario, _model, _users, _usersFile, _arrivalWindow, _rate, _rateStart, _stage, _steps,
                     _duration, _concurrency, _checkout, _holdSeconds, _abandonShare, _declineShare, _doubleClickShare, _retries, _pollClaim, _quantity, _poolShards, _seed,
                     _startsIn, _earlyShare, _refreshEvery, _agents, _waitingRoom, _outflow, _tokenSeconds, _prequeueMinutes, _startLead, _connections, _maxInFlight, _lateAfter,
                     _timeout, _threshold, _thresholdsFile, _settle, _pollLimit, _maxSendLag, _maxGeneratorCpu, _out, _reportDir, _csv, _noScrape, _metricsListen, _progress,
                 })
            Command.Options.Add(option);
        Command.Subcommands.Add(VerifyCommand.Build());
        Command.Subcommands.Add(Ceiling.CeilingCommand.Build());
        Command.Subcommands.Add(Agents.AgentServer.Build());
        Command.SetAction(async (p, ct) =>
        {
            var (options, error) = Bind(p);
            if (options is not null) return rehearse is null ? ExitCodes.Passed : await rehearse(options, ct);
            await Console.Error.WriteLineAsync($"{error} (--help lists the flags)");
            return ExitCodes.Usage;
        });
    }

    public RootCommand Command { get; }

    /// <summary>Null options and a message when the command line is wrong.</summary>
    public static (LoadOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var cli = new RehearsalCommand();
        var parsed = cli.Command.Parse(args);
        if (parsed.Errors.Count > 0) return (null, string.Join(" ", parsed.Errors.Select(e => e.Message)));
        return cli.Bind(parsed);
    }

    public (LoadOptions? Options, string? Error) Bind(ParseResult p)
    {
        var thresholds = new List<string>();
        try
        {
            foreach (var part in (p.GetValue(_threshold) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                Threshold.Parse(part); // fail early on a typo
                thresholds.Add(part);
            }
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
        var stages = new List<Stage>();
        foreach (var text in (p.GetValue(_stage) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var colon = text.LastIndexOf(':');
            try
            {
                if (colon <= 0) throw new FormatException($"--stage {text}: expected DURATION:TARGET, e.g. 30s:1000.");
                var duration = ParseDuration(text[..colon], "--stage");
                var target = double.Parse(text[(colon + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
                if (duration <= TimeSpan.Zero || target < 0) throw new FormatException($"--stage {text}: a positive duration and a target of 0 or more.");
                stages.Add(new Stage(duration, target));
            }
            catch (FormatException e)
            {
                return (null, e.Message.StartsWith("--stage", StringComparison.Ordinal) ? e.Message : $"--stage {text}: {e.Message}");
            }
        }
        var outFlag = p.GetValue(_out);
        var json = outFlag is not null && outFlag.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        var o = new LoadOptions
        {
            Url = p.GetValue(_url)!, AdminKey = p.GetValue(_adminKey)!, StorefrontKey = p.GetValue(_storefrontKey)!, SaleId = p.GetValue(_sale),
            Stock = p.GetValue(_stock), Sales = p.GetValue(_sales), SalesPerBuyer = p.GetValue(_salesPerBuyer),
            Scenario = stages.Count > 0 ? Scenario.Stages
                : p.GetValue(_scenario) switch { "steady" => Scenario.Steady, "ramp" => Scenario.Ramp, _ => Scenario.FlashCrowd },
            Stages = stages,
            Model = p.GetValue(_model) == "closed" ? LoadModel.Closed : LoadModel.Open,
            Users = p.GetValue(_users), UsersFile = p.GetValue(_usersFile), ArrivalWindow = p.GetValue(_arrivalWindow), Rate = p.GetValue(_rate), RateStart = p.GetValue(_rateStart),
            Steps = p.GetValue(_steps),
            Duration = stages.Count > 0 ? stages.Aggregate(TimeSpan.Zero, (d, st) => d + st.Duration) : p.GetValue(_duration), Concurrency = p.GetValue(_concurrency),
            Checkout = p.GetValue(_checkout)!, HoldSeconds = p.GetValue(_holdSeconds), AbandonShare = p.GetValue(_abandonShare),
            DeclineShare = p.GetValue(_declineShare), DoubleClickShare = p.GetValue(_doubleClickShare), Retries = p.GetValue(_retries), PollClaimEvery = p.GetValue(_pollClaim), Quantity = p.GetValue(_quantity), PoolShards = p.GetValue(_poolShards),
            Seed = p.GetValue(_seed), StartsIn = p.GetValue(_startsIn), EarlyShare = p.GetValue(_earlyShare), RefreshEvery = p.GetValue(_refreshEvery),
            Agents = (p.GetValue(_agents) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            WaitingRoom = p.GetValue(_waitingRoom), OutflowPerMinute = p.GetValue(_outflow), TokenSeconds = p.GetValue(_tokenSeconds),
            PrequeueMinutes = p.GetValue(_prequeueMinutes), StartLead = p.GetValue(_startLead),
            Connections = p.GetValue(_connections), MaxInFlight = p.GetValue(_maxInFlight), LateAfter = p.GetValue(_lateAfter), Timeout = p.GetValue(_timeout),
            Thresholds = thresholds, ThresholdFile = p.GetValue(_thresholdsFile), Settle = p.GetValue(_settle), PollLimit = p.GetValue(_pollLimit),
            MaxSendLag = p.GetValue(_maxSendLag), MaxGeneratorCpu = p.GetValue(_maxGeneratorCpu),
            ResultsPath = json ? outFlag : null,
            OutputDirectory = outFlag is not null && !json && p.GetResult(_reportDir) is null or { Implicit: true } ? outFlag : p.GetValue(_reportDir)!,
            CsvPath = p.GetValue(_csv), ScrapeMetrics = !p.GetValue(_noScrape), MetricsListen = p.GetValue(_metricsListen),
            Progress = p.GetValue(_progress) switch { "live" => ProgressMode.Live, "plain" => ProgressMode.Plain, "none" => ProgressMode.None, _ => ProgressMode.Auto },
        };
        if (stages.Count > 0 && (p.GetResult(_scenario) is { Implicit: false } || o.Model != LoadModel.Open))
            return (null, "--stage is its own scenario in the open model: not with --scenario or --model closed.");
        if (o.Agents.Count > 0 && (o.Model != LoadModel.Open || o.WaitingRoom))
            return (null, "--agents share an open-model arrival plan: not the closed model, not the waiting room.");
        if (o.MetricsListen is { } listen && (!listen.Contains(':') || !int.TryParse(listen[(listen.LastIndexOf(':') + 1)..], out _)))
            return (null, "--metrics-listen takes HOST:PORT.");
        if (o.Agents.Any(a => !a.Contains(':'))) return (null, "--agents takes HOST:PORT,HOST:PORT,...");
        if (o.SalesPerBuyer > o.Sales) return (null, $"--sales-per-buyer {o.SalesPerBuyer} is more than the {o.Sales} sale(s) of --sales.");
        if (o.PoolShards > 1 && (o.SaleId is not null || o.WaitingRoom))
            return (null, "--pool-shards is for the sales the tool creates, without a waiting room (whose sale has one pool).");
        if (o.Sales > 1 && (o.SaleId is not null || o.WaitingRoom))
            return (null, "--sales creates its sales: not with --sale, and not through a waiting room (whose fairness audit is of one sale).");
        if (o.StartsIn is not null)
        {
            if (o.SaleId is not null || o.WaitingRoom) return (null, "--starts-in creates its own sale without a waiting room: it cannot go with --sale or --waiting-room.");
            if (o.Scenario != Scenario.FlashCrowd || o.Model != LoadModel.Open) return (null, "--starts-in rehearses a flash crowd in the open model.");
            if (o.StartsIn < TimeSpan.FromSeconds(2)) return (null, "--starts-in must leave at least 2 s for the sale's setup.");
        }
        if (!o.WaitingRoom) return (o, null);
        if (o.SaleId is not null) return (null, "--waiting-room creates its own sale: it cannot rehearse on --sale.");
        if (o.Scenario != Scenario.FlashCrowd || o.Model != LoadModel.Open) return (null, "--waiting-room is a flash crowd in the open model.");
        var needed = (int)Math.Ceiling((o.ArrivalWindow + o.StartLead).TotalMinutes);
        if (o.PrequeueMinutes < needed)
            return (null, $"--prequeue-minutes {o.PrequeueMinutes} opens the queue after the first joins; the start is {needed} min away at most.");
        // A declined card gives its unit to a ticket further back, so the winners could not be the first tickets.
        return (p.GetResult(_declineShare) is null or { Implicit: true } ? o with { DeclineShare = 0 } : o, null);
    }

    private static T Refuse<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}
