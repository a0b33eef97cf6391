using System.Globalization;
using PaymentFunctions.Metrics;

namespace PaymentFunctions.Benchmarks;

/// <summary>How often every instance group re-PUTs its payload, from the app's own push settings.</summary>
internal sealed record Cadence(string Name, TimeSpan Every)
{
    private static readonly MetricPushOptions Defaults = new();

    /// <summary>Invocations all the time: a push at most every <c>MetricPush__MinIntervalSeconds</c> (the worst case).</summary>
    public static Cadence Busy { get; } = new("busy", TimeSpan.FromSeconds(Defaults.MinIntervalSeconds));

    /// <summary>No invocations: a push every <c>MetricPush__IntervalSeconds</c>.</summary>
    public static Cadence Idle { get; } = new("idle", TimeSpan.FromSeconds(Defaults.IntervalSeconds));

    /// <summary>A push every <paramref name="seconds"/> (the busy cadence a <c>MetricPush__MinIntervalSeconds</c> would give).</summary>
    public static Cadence OfSeconds(double seconds) => new(string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s"), TimeSpan.FromSeconds(seconds));

    /// <summary><c>busy</c>, <c>idle</c>, <c>both</c>, or seconds between pushes, comma-separated (<c>1,2,5</c>).</summary>
    public static IReadOnlyList<Cadence> ParseList(string value) => value switch
    {
        "busy" => [Busy],
        "idle" => [Idle],
        "both" => [Busy, Idle],
        _ when value.Split(',').All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0) =>
            [.. value.Split(',').Select(v => OfSeconds(double.Parse(v, CultureInfo.InvariantCulture)))],
        _ => throw new ArgumentException($"--cadence {value}: expected busy, idle, both or seconds between pushes (1,2,5)."),
    };
}

/// <summary>
/// Settings of the capacity run: <c>capacity [--dry] [--seconds S] [--cadence busy|idle|both|S[,S...]] [--back-pressure]
/// [--consistency on|off|both] [--shards K[,K...]] [--scrape-every S] [--concurrency N] [--gomaxprocs N] [--own-cores]
/// [--format F[,F...]|all] [groups...]</c>. <c>--cadence 1,2,5</c> measures pushes every 1, 2 and 5 s; <c>--back-pressure</c>
/// runs each cadence a second time closed loop, paced by the app's back-pressure.
/// <c>--format</c> names the push encodings to measure: text, protobuf (the shipped default), protobuf-gzip, or all. <c>--shards 2</c>
/// spreads the groups over two gateways by the app's own shard choice (<c>MetricPush__Url</c> listing two gateways).
/// Scrapes run every quarter of the period unless <c>--scrape-every</c> says otherwise (0: none during the period).
/// <c>--gomaxprocs N</c> gives each gateway N Go threads (<c>GOMAXPROCS</c>; default: the environment's, else Go's
/// default of one per core). <c>--own-cores</c> pins gateway k to core k and this process to the cores left, so each
/// shard runs on a core of its own, as each shard's container app has its own vCPU (needs more cores than shards).
/// <c>--dry</c> is the smoke form: 10 groups, busy cadence, 2 s, every format.
/// </summary>
internal sealed record CapacitySettings(
    IReadOnlyList<int> Groups,
    TimeSpan Period,
    IReadOnlyList<Cadence> Cadences,
    IReadOnlyList<bool> ConsistencyChecks,
    IReadOnlyList<int> Shards,
    TimeSpan ScrapeEvery,
    int Concurrency,
    int Seed)
{
    /// <summary>Go threads per gateway (<c>GOMAXPROCS</c>); null: inherited from the environment.</summary>
    public int? GoMaxProcs { get; init; }

    /// <summary>Each gateway pinned to a core of its own, this process to the rest.</summary>
    public bool OwnCores { get; init; }

    /// <summary>After each open-loop period, the same groups closed loop, paced by the app's back-pressure (<see cref="PacedPushes"/>).</summary>
    public bool BackPressure { get; init; }

    /// <summary>The push encodings measured (<see cref="PushFormat"/>); the shipped protobuf unless <c>--format</c> says otherwise.</summary>
    public IReadOnlyList<string> Formats { get; init; } = [PushFormat.Protobuf];

    /// <summary>How long pushes still queued or in flight after the period may take before they count as not done.</summary>
    public static TimeSpan Grace { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The app's timeout per push attempt: a slower push would have failed and been retried by the app.</summary>
    public static TimeSpan AppPushTimeout { get; } = TimeSpan.FromSeconds(new MetricPushOptions().TimeoutSeconds);

    /// <summary>The target of issue 10: this many instances at the busy cadence.</summary>
    public const int TargetInstances = 1000;

    public static readonly TimeSpan TargetPushP99 = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan TargetScrape = TimeSpan.FromSeconds(2);

    public static CapacitySettings Parse(IReadOnlyList<string> args)
    {
        var groups = new List<int>();
        var period = TimeSpan.FromSeconds(20);
        IReadOnlyList<Cadence> cadences = [Cadence.Busy, Cadence.Idle];
        IReadOnlyList<bool> checks = [true, false];
        IReadOnlyList<int> shards = [1];
        TimeSpan? scrapeEvery = null;
        var concurrency = 64;
        var dry = false;
        int? goMaxProcs = null;
        var ownCores = false;
        var backPressure = false;
        IReadOnlyList<string> formats = [PushFormat.Protobuf];
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--dry":
                    dry = true;
                    break;
                case "--seconds":
                    period = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--scrape-every":
                    scrapeEvery = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--consistency":
                    checks = args[++i] switch
                    {
                        "on" => [true],
                        "off" => [false],
                        "both" => [true, false],
                        var other => throw new ArgumentException($"--consistency {other}: expected on, off or both."),
                    };
                    break;
                case "--shards":
                    shards = [.. args[++i].Split(',').Select(k => int.Parse(k, CultureInfo.InvariantCulture))];
                    break;
                case "--gomaxprocs":
                    goMaxProcs = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    if (goMaxProcs < 1)
                    {
                        throw new ArgumentException($"--gomaxprocs {goMaxProcs}: expected at least 1.");
                    }

                    break;
                case "--own-cores":
                    ownCores = true;
                    break;
                case "--format":
                    formats = args[++i] switch
                    {
                        "all" => PushFormat.Names,
                        var listed when listed.Split(',').All(PushFormat.Names.Contains) => listed.Split(','),
                        var other => throw new ArgumentException($"--format {other}: expected {string.Join(", ", PushFormat.Names)} (comma-separated) or all."),
                    };
                    break;
                case "--concurrency":
                    concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--cadence":
                    cadences = Cadence.ParseList(args[++i]);
                    break;
                case "--back-pressure":
                    backPressure = true;
                    break;
                default:
                    groups.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
                    break;
            }
        }

        var settings = dry
            ? new CapacitySettings([10], TimeSpan.FromSeconds(2), [Cadence.Busy], [true, false], [1, 2], TimeSpan.FromSeconds(0.5), concurrency, Seed: 10)
            : new CapacitySettings(groups.Count > 0 ? groups : [10, 100, 1000], period, cadences, checks, shards, scrapeEvery ?? period / 4, concurrency, Seed: 10);
        if (ownCores && settings.Shards.Max() >= Environment.ProcessorCount)
        {
            throw new ArgumentException(
                $"--own-cores: {settings.Shards.Max()} gateway(s) need {settings.Shards.Max() + 1} cores (one each, one for the load); this machine has {Environment.ProcessorCount}.");
        }

        return settings with { GoMaxProcs = goMaxProcs, OwnCores = ownCores, BackPressure = backPressure || dry, Formats = dry ? PushFormat.Names : formats };
    }
}
