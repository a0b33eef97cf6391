using System.Globalization;
using AzureFunctions.PrometheusPush;

namespace PaymentFunctions.Benchmarks;

/// <summary>How often every instance group re-PUTs its payload, from the app's own push settings.</summary>
internal sealed record Cadence(string Name, TimeSpan Every)
{
    private static readonly PushOptions Defaults = new();

    /// <summary>Invocations all the time: a push at most every <c>MetricPush__MinIntervalSeconds</c> (the worst case).</summary>
    public static Cadence Busy { get; } = new("busy", TimeSpan.FromSeconds(Defaults.MinIntervalSeconds));

    /// <summary>No invocations: a push every <c>MetricPush__IntervalSeconds</c>.</summary>
    public static Cadence Idle { get; } = new("idle", TimeSpan.FromSeconds(Defaults.IntervalSeconds));

    /// <summary>A push every <paramref name="seconds"/> (the busy cadence a <c>MetricPush__MinIntervalSeconds</c> would give).</summary>
    public static Cadence OfSeconds(double seconds) => new(string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s"), TimeSpan.FromSeconds(seconds));

    /// <summary><c>busy</c>, <c>idle</c>, <c>both</c>, or seconds between pushes, comma-separated (<c>1,2,5</c>).</summary>
    public static IReadOnlyList<Cadence> ParseList(string value)
    {
        var seconds = value.Split(',').Select(v => ArgumentReader.TryParseSeconds(v)).ToList();
        return value switch
        {
            "busy" => [Busy],
            "idle" => [Idle],
            "both" => [Busy, Idle],
            _ when seconds.All(s => s is not null) => [.. seconds.Select(s => OfSeconds(s!.Value))],
            _ => throw new ArgumentException($"--cadence '{value}': expected busy, idle, both or seconds between pushes, comma-separated"),
        };
    }
}

/// <summary>
/// Settings of the capacity run, from <c>capacity [options] [groups...]</c>: <see cref="Mode"/> lists every option with
/// its meaning and default (<c>capacity --help</c>). <c>--own-cores</c> is there because each shard's container app has a
/// vCPU of its own: pinned, each gateway runs on a core no other gateway and not the load uses, as deployed.
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
    public static TimeSpan AppPushTimeout { get; } = TimeSpan.FromSeconds(new PushOptions().TimeoutSeconds);

    /// <summary>The fleet one Pushgateway must carry: this many instances at the busy cadence.</summary>
    public const int TargetInstances = 1000;

    public static readonly TimeSpan TargetPushP99 = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan TargetScrape = TimeSpan.FromSeconds(2);

    public static BenchMode Mode { get; } = BenchMode.Of(
        "capacity",
        "[options] [groups...]",
        $"how many instances one Pushgateway carries: push p50/p99/max, scrape time and size, memory and CPU (target: {TargetInstances:N0} instances at the busy cadence, push p99 at most {TargetPushP99.TotalMilliseconds:0} ms, a scrape at most {TargetScrape.TotalSeconds:0} s)",
        $"""
          groups...        instance groups to load, one run each (default 10 100 1000)
          --seconds S      the measured period per cadence in seconds (default 20)
          --cadence C      busy (a push every {Cadence.Busy.Every.TotalSeconds:0.##} s, MetricPush__MinIntervalSeconds), idle (every {Cadence.Idle.Every.TotalSeconds:0.##} s,
                           MetricPush__IntervalSeconds), both, or seconds between pushes, comma-separated: 1,2,5 (default both)
          --back-pressure  after each open-loop period, the same groups closed loop, paced by the app's back-pressure (default off)
          --consistency M  the gateway's per-push consistency check: on (as Pushgateway ships), off (as this app deploys it:
                           --push.disable-consistency-check) or both (default both)
          --shards K       gateways the groups spread over by the app's shard choice, comma-separated: 1,2 (default 1)
          --format F       push encodings, comma-separated: {string.Join(", ", PushFormat.Names)}, or all (default {PushFormat.Protobuf}, as shipped)
          --scrape-every S seconds between scrapes of each gateway during the period, 0 for none (default a quarter of --seconds)
          --concurrency N  pushes in flight at most (default 64)
          --gomaxprocs N   Go threads per gateway, GOMAXPROCS (default the environment's, else one per core)
          --own-cores      gateway k pinned to core k, this process to the cores left (needs more cores than shards; default off)
          --dry            the smoke form: 10 groups, busy cadence, 2 s, 0.5 s scrapes, 1 and 2 shards, every format, back-pressure on
        """.TrimEnd(),
        Parse,
        FleetCapacity.RunAsync);

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
        var reader = new ArgumentReader(args);
        while (reader.Next() is { } arg)
        {
            switch (arg)
            {
                case "--dry":
                    dry = true;
                    break;
                case "--seconds":
                    period = TimeSpan.FromSeconds(reader.Seconds());
                    break;
                case "--scrape-every":
                    scrapeEvery = TimeSpan.FromSeconds(reader.Seconds(orZero: true));
                    break;
                case "--consistency":
                    checks = reader.Value() switch
                    {
                        "on" => [true],
                        "off" => [false],
                        "both" => [true, false],
                        var other => throw new ArgumentException($"--consistency '{other}': expected on, off or both"),
                    };
                    break;
                case "--shards":
                    shards = reader.Counts();
                    break;
                case "--gomaxprocs":
                    goMaxProcs = reader.Count();
                    break;
                case "--own-cores":
                    ownCores = true;
                    break;
                case "--format":
                    formats = reader.Value() switch
                    {
                        "all" => PushFormat.Names,
                        var listed when listed.Split(',').All(PushFormat.Names.Contains) => listed.Split(','),
                        var other => throw new ArgumentException($"--format '{other}': expected {string.Join(", ", PushFormat.Names)} (comma-separated) or all"),
                    };
                    break;
                case "--concurrency":
                    concurrency = reader.Count();
                    break;
                case "--cadence":
                    cadences = Cadence.ParseList(reader.Value());
                    break;
                case "--back-pressure":
                    backPressure = true;
                    break;
                default:
                    groups.Add(reader.Positional("groups"));
                    break;
            }
        }

        var settings = dry
            ? new CapacitySettings([10], TimeSpan.FromSeconds(2), [Cadence.Busy], [true, false], [1, 2], TimeSpan.FromSeconds(0.5), concurrency, Seed: 10)
            : new CapacitySettings(groups.Count > 0 ? groups : [10, 100, 1000], period, cadences, checks, shards, scrapeEvery ?? period / 4, concurrency, Seed: 10);
        if (ownCores && settings.Shards.Max() >= Environment.ProcessorCount)
        {
            throw new ArgumentException(
                $"--own-cores: {settings.Shards.Max()} gateway(s) need {settings.Shards.Max() + 1} cores (one each, one for the load); this machine has {Environment.ProcessorCount}");
        }

        return settings with { GoMaxProcs = goMaxProcs, OwnCores = ownCores, BackPressure = backPressure || dry, Formats = dry ? PushFormat.Names : formats };
    }
}
