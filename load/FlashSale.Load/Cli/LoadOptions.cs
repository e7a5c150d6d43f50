namespace FlashSale.Load.Cli;

public enum Scenario { FlashCrowd, Steady, Ramp, Stages }

/// <summary>k6 style: over <see cref="Duration"/> the arrival rate moves linearly from the last stage's target to <see cref="Target"/>.</summary>
public readonly record struct Stage(TimeSpan Duration, double Target);

public enum LoadModel { Open, Closed }

public enum ProgressMode { Auto, Live, Plain, None }

/// <summary>Everything a rehearsal is told; the defaults rehearse against <c>make run</c> on this machine.</summary>
public sealed record LoadOptions
{
    public Uri Url { get; init; } = new("http://127.0.0.1:8080");
    public string AdminKey { get; init; } = "dev-admin-key";
    public string StorefrontKey { get; init; } = "dev-storefront-key";

    public Scenario Scenario { get; init; } = Scenario.FlashCrowd;
    public LoadModel Model { get; init; } = LoadModel.Open;

    /// <summary><c>--users-file</c>: the buyers (and their cards) from a CSV file; the crowd is as large as the file.</summary>
    public string? UsersFile { get; init; }
    /// <summary>Distinct buyers (flash-crowd, closed model). Steady and ramp bring a new buyer per arrival.</summary>
    public int Users { get; init; } = 5_000;
    /// <summary>Flash-crowd: every buyer's first click falls within this window after the start.</summary>
    public TimeSpan ArrivalWindow { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Steady: arrivals per second. Ramp: the last step's rate.</summary>
    public double Rate { get; init; } = 1000;
    /// <summary>Ramp: the first step's rate (default a tenth of <see cref="Rate"/>).</summary>
    public double? RateStart { get; init; }
    public int Steps { get; init; } = 5;
    /// <summary><c>--stage 30s:1000,1m:5000,30s:0</c>: the arrival rate ramped linearly from 0 through each target.</summary>
    public IReadOnlyList<Stage> Stages { get; init; } = [];
    /// <summary>Steady and ramp: how long arrivals go on. Closed model: the longest it runs.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Closed model: buyers sending at once, each waiting for its answer before the next.</summary>
    public int Concurrency { get; init; } = 64;

    public int Connections { get; init; } = 256;
    /// <summary>Open model: requests outstanding past this are dropped (counted, never sent) instead of queued without bound.</summary>
    public int MaxInFlight { get; init; } = 20_000;
    /// <summary>Open model: a request sent this much after its intended start counts as late (its latency still counts from the intended start).</summary>
    public TimeSpan LateAfter { get; init; } = TimeSpan.FromMilliseconds(10);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public int Stock { get; init; } = 500;
    /// <summary>
    /// The opening: the tool's sale starts this long after its creation, a share of the crowd arrives early and refreshes
    /// until T0, the rest peaks in the first seconds after it. Null: the sale is live from its creation.
    /// </summary>
    public TimeSpan? StartsIn { get; init; }
    /// <summary><c>--agents HOST:PORT,...</c>: the crowd is sent by these agents, a share each; this process coordinates and audits.</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];
    /// <summary>The opening: share of the crowd arriving in the 10 s before T0.</summary>
    public double EarlyShare { get; init; } = 0.2;
    /// <summary>The opening: how often an early buyer refreshes (clicks again) until the sale has started.</summary>
    public TimeSpan RefreshEvery { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Target an existing, live sale instead of creating one.</summary>
    public string? SaleId { get; init; }

    /// <summary><c>immediate</c> (the claim carries its card) or <c>hold</c> (the claim holds a unit; the buyer checks out after).</summary>
    public string Checkout { get; init; } = "immediate";
    /// <summary>Hold checkout: how long the sale the tool creates holds a unit.</summary>
    public int HoldSeconds { get; init; } = 30;
    /// <summary>Hold checkout: share of winners who never check out, so their holds expire.</summary>
    public double AbandonShare { get; init; }

    public bool HoldCheckout => Checkout == "hold";

    /// <summary>
    /// The waiting-room crowd: the tool's sale gets a waiting room and starts <see cref="StartLead"/> after the last
    /// planned join, every buyer joins the pre-queue within <see cref="ArrivalWindow"/>, polls, and claims once admitted.
    /// </summary>
    public bool WaitingRoom { get; init; }
    /// <summary>Null: just long enough for the queue to be open from the sale's creation.</summary>
    public int? PrequeueMinutes { get; init; }
    /// <summary>
    /// The contract's default. The service never has more tokens out than units left (lua/queue_outflow.lua), so at
    /// any rate the units go to the first tickets of the order, as the fairness audit expects.
    /// </summary>
    public int OutflowPerMinute { get; init; } = 60_000;
    public int TokenSeconds { get; init; } = 120;
    /// <summary>From the last planned join to the sale's start: room for joins answered late on a loaded machine.</summary>
    public TimeSpan StartLead { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The settle phase, long enough in hold checkout for every abandoned hold to expire and be seen expired.</summary>
    public TimeSpan SettleTime => HoldCheckout ? TimeSpan.FromTicks(Math.Max(Settle.Ticks, TimeSpan.FromSeconds(HoldSeconds + 20).Ticks)) : Settle;

    /// <summary>
    /// Each winner polls their claim this often until it ends (click-to-paid time); zero (the default): buyers leave after
    /// the click. Off by default: on a small machine that also runs the service, the polls during the peak, cheap as they
    /// are (<see cref="Traffic.ClaimPoller"/>), still push the generator past its send-lag limit in most openings.
    /// </summary>
    public TimeSpan PollClaimEvery { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// <c>--sales N</c>: the tool creates N sales alike (each of <see cref="Stock"/> units, the same price, window and
    /// limits) and the crowd is spread over them; each sale is audited on its own.
    /// </summary>
    public int Sales { get; init; } = 1;
    /// <summary>
    /// <c>--sales-per-buyer K</c>: each buyer claims on K of the sales at their arrival (buyer n on sales n, n+1, ... modulo
    /// N), as several tabs open at the drop; 1 by default, each buyer on one sale.
    /// </summary>
    public int SalesPerBuyer { get; init; } = 1;

    /// <summary>Units each buyer claims; the sale the tool creates allows that many per user.</summary>
    public int Quantity { get; init; } = 1;

    /// <summary><c>--pool-shards N</c>: the sales the tool creates split their stock over N Redis pools (poolShards).</summary>
    public int PoolShards { get; init; } = 1;

    /// <summary>Share of buyers paying with <c>pm_card_chargeDeclined</c>.</summary>
    public double DeclineShare { get; init; } = 0.05;
    /// <summary>Flash-crowd: share of buyers who click twice.</summary>
    public double DoubleClickShare { get; init; } = 0.10;
    /// <summary>Flash-crowd: retries of a buyer whose request timed out or was refused with 429/503.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>How long every 202 claim gets to reach a terminal status once traffic stops.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Claims polled one by one at the end; 0 polls every 202 claim.</summary>
    public int PollLimit { get; init; }

    public IReadOnlyList<string> Thresholds { get; init; } = [];
    public string? ThresholdFile { get; init; }
    /// <summary>Used when neither <c>--threshold</c> nor <c>--thresholds-file</c> is given.</summary>
    public static readonly IReadOnlyList<string> DefaultThresholds = ["errors<0.1%", "p99<1000ms"];

    /// <summary>Self-watch: the generator counts as saturated when its send lag p99 passes this...</summary>
    public TimeSpan MaxSendLag { get; init; } = TimeSpan.FromMilliseconds(50);
    /// <summary>...or its CPU in a 0.5 s sample reaches this share of all the machine's cores.</summary>
    public double MaxGeneratorCpu { get; init; } = 0.9;

    public string OutputDirectory { get; init; } = Path.Combine("load", "reports");
    /// <summary><c>--out FILE.json</c>: every figure of the report, machine-readable (docs/rehearsal-results.md).</summary>
    public string? ResultsPath { get; init; }
    /// <summary><c>--csv FILE</c>: the run's timeline, one row per sampled interval.</summary>
    public string? CsvPath { get; init; }
    /// <summary>Reads the service's own <c>/metrics</c> during the run, for the report's charts beside the tool's.</summary>
    public bool ScrapeMetrics { get; init; } = true;
    /// <summary><c>--metrics-listen HOST:PORT</c>: the tool's own live figures in Prometheus format on /metrics during the run.</summary>
    public string? MetricsListen { get; init; }
    public int Seed { get; init; } = 42;
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    public string ScenarioName => Scenario switch
    {
        Scenario.FlashCrowd => "flash-crowd",
        Scenario.Steady => "steady",
        Scenario.Stages => "stages",
        _ => "ramp",
    };
}
