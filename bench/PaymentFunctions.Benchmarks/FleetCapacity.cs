using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Identity;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// A measured run (not BenchmarkDotNet: it needs p99 over concurrent pushes against a real process): how many instances of
/// the app one real Pushgateway carries. For every group count G and for the gateway as shipped (consistency check on)
/// and with <c>--push.disable-consistency-check</c>: a fresh gateway (persistence off) is loaded with G groups of the
/// app's real payload (<see cref="AppPayload"/>), then every group re-PUTs it at the app's cadence for a fixed period
/// (<see cref="OpenLoopPushes"/>) while the gateway is scraped (<see cref="ScrapeProbe"/>). Reported: pushes/s offered
/// and done, push p50/p99/max from scheduled time to response, scrape duration and size, the gateway's resident memory.
/// Every run is repeated per push encoding (<c>--format</c>: text, protobuf, protobuf-gzip) with the gateway's CPU per push.
/// Target: 1,000 instances at the busy cadence with push p99 at most 50 ms and a scrape at most 2 s.
/// The gateway, this process and anything else on the machine share its cores: every row reports the CPU both processes
/// used and the load average, so that a noisy row can be told apart.
///   dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- capacity [--dry] [--seconds 20] [--cadence both] [groups...]
/// </summary>
internal static class FleetCapacity
{
    private static readonly string Job = FunctionsServiceCollectionExtensions.DefaultJob;

    private static readonly (string Name, string[] Arguments)[] Modes =
    [
        ("on (default)", []),
        ("off", ["--push.disable-consistency-check"]),
    ];

    public static async Task<int> RunAsync(CapacitySettings settings)
    {
        var payload = await AppPayload.OneInstanceAsync();
        var formats = settings.Formats.Select(f => PushFormat.Of(f, payload)).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"One instance's payload: {AppPayload.SeriesCount(payload)} series, {string.Join(", ", formats.Select(f => $"{f.Body.Length:N0} bytes as {f.Name}"))}; period {settings.Period.TotalSeconds:F0} s per cadence, a scrape every {settings.ScrapeEvery.TotalSeconds:F1} s, up to {settings.Concurrency} pushes in flight, seed {settings.Seed}."));
        var modes = Modes.Where(m => settings.ConsistencyChecks.Contains(m.Arguments.Length == 0)).ToList();
        if (settings.GoMaxProcs is { } threads)
        {
            // The gateways inherit this process' environment.
            Environment.SetEnvironmentVariable("GOMAXPROCS", threads.ToString(CultureInfo.InvariantCulture));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Gateways: GOMAXPROCS {Environment.GetEnvironmentVariable("GOMAXPROCS") ?? "unset (one per core)"}, {(settings.OwnCores ? "each on a core of its own, the load on the cores left" : "sharing every core with the load")}; {Environment.ProcessorCount} cores."));

        var rows = new List<Row>();
        var pacedRows = new List<PacedRow>();
        var loads = new List<string>();
        foreach (var groups in settings.Groups)
        {
            foreach (var shards in settings.Shards)
            {
                foreach (var (mode, arguments) in modes)
                foreach (var body in formats)
                {
                    var gateways = new List<PushgatewayProcess>();
                    try
                    {
                        for (var k = 0; k < shards; k++)
                        {
                            gateways.Add(await PushgatewayProcess.StartAsync(arguments));
                            if (settings.OwnCores)
                            {
                                await PinAsync(gateways[k].ProcessId, k.ToString(CultureInfo.InvariantCulture));
                            }
                        }

                        if (settings.OwnCores)
                        {
                            await PinAsync(Environment.ProcessId, string.Create(CultureInfo.InvariantCulture, $"{shards}-{Environment.ProcessorCount - 1}"));
                        }

                        // Each group on the gateway the app would push it to (PushShards, as MetricPush__Url lists them).
                        var shardUrls = gateways.Select(g => g.Url).ToList();
                        Uri UrlOf(int group) => GroupUrl(shardUrls[PushShards.Select(Instance(group), shards)], group);
                        var empty = await ResidentBytesAsync(gateways);
                        var loading = await LoadAsync(UrlOf, groups, body);
                        var loaded = await ResidentBytesAsync(gateways);
                        loads.Add(string.Create(CultureInfo.InvariantCulture,
                            $"| {groups:N0} | {shards} | {mode} | {body.Name} | {loading.TotalSeconds:F1} s | {MiB(empty)} | {MiB(loaded)} | {KiB((loaded - empty) / groups)} |"));
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{groups} groups on {shards} gateway(s), consistency check {mode}, {body.Name}: loaded in {loading.TotalSeconds:F1} s"));

                        var pushes = new OpenLoopPushes(UrlOf, body, settings.Concurrency);
                        var paced = new PacedPushes(UrlOf, body, settings.Concurrency);
                        foreach (var cadence in settings.Cadences)
                        {
                            var row = await MeasureAsync(gateways, pushes, groups, mode, cadence, settings, body);
                            rows.Add(row);
                            Console.Error.WriteLine(row.Markdown());
                            if (settings.BackPressure)
                            {
                                var pacedRow = await MeasurePacedAsync(gateways, paced, groups, mode, cadence, settings, body);
                                pacedRows.Add(pacedRow);
                                Console.Error.WriteLine(pacedRow.Markdown());
                            }
                        }
                    }
                    finally
                    {
                        foreach (var gateway in gateways)
                        {
                            await gateway.DisposeAsync();
                        }
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| groups | gateways | consistency check | format | cadence | pushes/s offered / done | push p50 | p99 | max | > 3 s / errors / not done | scrape p50 / max (per gateway) | scrape size (largest gateway) | gateways' RSS | CPU gateways / bench | gateway CPU per push | machine load |");
        Console.WriteLine("|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        rows.ForEach(r => Console.WriteLine(r.Markdown()));
        if (pacedRows.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Closed loop, paced by the app's back-pressure (push latency from its start; the second half of the period is the settled fleet):");
            Console.WriteLine(PacedRow.Header);
            Console.WriteLine("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            pacedRows.ForEach(r => Console.WriteLine(r.Markdown()));
            Console.WriteLine();
            pacedRows.ForEach(r => Console.WriteLine(BackPressureVerdict(r)));
        }

        Console.WriteLine();
        Console.WriteLine("Loading the groups (4 PUTs in flight) and the gateways' resident memory (summed):");
        Console.WriteLine("| groups | gateways | consistency check | format | load time | RSS empty | RSS loaded | RSS per group |");
        Console.WriteLine("|---:|---:|---|---|---:|---:|---:|---:|");
        loads.ForEach(Console.WriteLine);
        Console.WriteLine();
        foreach (var shards in settings.Shards)
        {
            foreach (var (mode, _) in modes)
            foreach (var format in formats)
            {
                Console.WriteLine(Verdict(mode, shards, format.Name, rows.Where(r => r.Mode == mode && r.Shards == shards && r.Format == format.Name)));
            }
        }

        return 0;
    }

    /// <summary>
    /// One period of pushes at one cadence while every gateway is scraped (concurrently, as Prometheus scrapes its targets);
    /// the gateways' and this process' CPU over it.
    /// </summary>
    private static async Task<Row> MeasureAsync(
        List<PushgatewayProcess> gateways, OpenLoopPushes pushes, int groups, string mode, Cadence cadence, CapacitySettings settings, PushFormat body)
    {
        var (outcome, measured) = await WhileScrapedAsync(gateways, settings, body, () => pushes.RunAsync(groups, cadence, settings.Period, settings.Seed));

        // Per push answered: the gateways' CPU over the period, the scrapes' share included (the same for every format).
        var cpuPerPush = outcome.Answered == 0 ? double.NaN : measured.GatewayCpuSeconds * 1000 / outcome.Answered;
        return new Row(groups, gateways.Count, mode, body.Name, cadence, outcome, measured.Scrapes,
            await SumAsync(gateways, "process_resident_memory_bytes"), measured.Cores, measured.OwnCores, cpuPerPush, LoadAverage());
    }

    /// <summary>The same groups closed loop, paced by the app's back-pressure; then every group's last push checked in the gateways.</summary>
    private static async Task<PacedRow> MeasurePacedAsync(
        List<PushgatewayProcess> gateways, PacedPushes pushes, int groups, string mode, Cadence cadence, CapacitySettings settings, PushFormat body)
    {
        var (outcome, measured) = await WhileScrapedAsync(gateways, settings, body, () => pushes.RunAsync(groups, cadence, settings.Period, settings.Seed));
        var inGateway = await PacedPushes.SequencesAsync(gateways, groups, Instance);
        var exact = Enumerable.Range(0, groups).Count(g => inGateway[g] == outcome.Accepted[g]);
        return new PacedRow(gateways.Count, mode, body.Name, outcome, measured, exact, LoadAverage());
    }

    /// <summary>
    /// Runs <paramref name="pushes"/> for one period while every gateway is scraped (concurrently, as Prometheus scrapes its
    /// targets, each at its own offset); the scrapes and the gateways' and this process' CPU over it.
    /// </summary>
    private static async Task<(T Outcome, Measured Measured)> WhileScrapedAsync<T>(
        List<PushgatewayProcess> gateways, CapacitySettings settings, PushFormat body, Func<Task<T>> pushes)
    {
        foreach (var gateway in gateways)
        {
            await SettleAsync(gateway.Url, body);
        }

        var cpuBefore = await SumAsync(gateways, "process_cpu_seconds_total");
        var ownCpuBefore = Environment.CpuUsage.TotalTime;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var probes = gateways.Select((g, k) => new ScrapeProbe(g.Url, settings.ScrapeEvery, settings.ScrapeEvery * k / gateways.Count)).ToList();
        using var stopScraping = new CancellationTokenSource(settings.Period);
        var scraping = settings.ScrapeEvery > TimeSpan.Zero ? Task.WhenAll(probes.Select(p => p.RunAsync(stopScraping.Token))) : Task.CompletedTask;
        var outcome = await pushes();
        await scraping;
        var gatewayCpu = await SumAsync(gateways, "process_cpu_seconds_total") - cpuBefore;
        return (outcome, new Measured(
            [.. probes.SelectMany(p => p.Scrapes)],
            gatewayCpu,
            gatewayCpu / wall.Elapsed.TotalSeconds,
            (Environment.CpuUsage.TotalTime - ownCpuBefore).TotalSeconds / wall.Elapsed.TotalSeconds));
    }

    private static string BackPressureVerdict(PacedRow row)
    {
        var bound = new PushOptions().SlowPushSeconds * 1000;
        var p99 = row.Pushes.SettledPercentile(0.99);
        var overOffered = row.Pushes.SettledPerSecond < 0.95 * row.Pushes.UnpacedPerSecond;
        var met = p99 <= bound && row.Exact == row.Pushes.Groups;
        return string.Create(CultureInfo.InvariantCulture,
            $"Back-pressure ({row.Pushes.Groups:N0} groups every {row.Pushes.Cadence.Every.TotalSeconds:0.##} s on {row.Shards} gateway(s), {row.Format}): {(met ? "settled" : "NOT settled")}: p99 {Milliseconds(p99)} in the second half against the {Milliseconds(bound)} bound (MetricPush__SlowPushSeconds), {row.Pushes.SettledPerSecond:F0} pushes/s of {row.Pushes.UnpacedPerSecond:F0} offered{(overOffered ? " (shed)" : string.Empty)}, every group's last push in the gateway: {row.Exact:N0} / {row.Pushes.Groups:N0}");
    }

    private static string Verdict(string mode, int shards, string format, IEnumerable<Row> rows)
    {
        var target = rows.FirstOrDefault(r => r.Groups == CapacitySettings.TargetInstances && r.Cadence.Every == Cadence.Busy.Every);
        if (target is null)
        {
            return $"Target (1,000 instances, busy cadence: a push every {Cadence.Busy.Every.TotalSeconds:0.##} s) on {shards} gateway(s), consistency check {mode}, {format}: not measured in this run.";
        }

        var p99 = target.Pushes.Percentile(0.99);
        var scrape = target.Scrapes.Count == 0 ? double.PositiveInfinity : target.Scrapes.Max(s => s.Seconds);
        var met = p99 <= CapacitySettings.TargetPushP99.TotalMilliseconds && scrape <= CapacitySettings.TargetScrape.TotalSeconds
            && target.Pushes.Errors == 0 && target.Pushes.NotDone == 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"Target (1,000 instances, busy cadence: a push every {Cadence.Busy.Every.TotalSeconds:0.##} s, push p99 ≤ 50 ms, scrape ≤ 2 s) on {shards} gateway(s), consistency check {mode}, {format}: {(met ? "met" : "NOT met")} (p99 {Milliseconds(p99)}, slowest scrape {scrape:F2} s, {target.Pushes.Errors} errors, {target.Pushes.NotDone} not done)");
    }

    /// <summary>Pins every thread of a process (those it starts later inherit it) to the listed cores, with <c>taskset -a</c>.</summary>
    private static async Task PinAsync(int processId, string cores)
    {
        using var taskset = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "taskset", ["-a", "-c", "-p", cores, processId.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        await taskset.WaitForExitAsync();
        if (taskset.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset could not pin process {processId} to cores {cores} (exit {taskset.ExitCode}).");
        }
    }

    /// <summary>PUTs every group once (4 at a time); returns how long it took.</summary>
    private static async Task<TimeSpan> LoadAsync(Func<int, Uri> groupUrl, int groups, PushFormat body)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, groups), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (g, token) =>
        {
            using var content = body.Content();
            using var response = await http.PutAsync(groupUrl(g), content, token);
            response.EnsureSuccessStatusCode();
        });
        return started.Elapsed;
    }

    /// <summary>One more PUT, waited for: a backlog a previous run left in the gateway (cancelled pushes) is worked off first.</summary>
    private static async Task SettleAsync(Uri gateway, PushFormat body)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using var content = body.Content();
        using var response = await http.PutAsync(GroupUrl(gateway, 0), content);
        response.EnsureSuccessStatusCode();
    }

    private static Uri GroupUrl(Uri gateway, int group) => GroupingKey.GroupUrl(gateway, Job, Instance(group));

    private static string Instance(int group) => "capacity-" + group.ToString("0000", CultureInfo.InvariantCulture);

    private static Task<double> ResidentBytesAsync(IReadOnlyList<PushgatewayProcess> gateways) => SumAsync(gateways, "process_resident_memory_bytes");

    /// <summary>A gateway's own metric, summed over the gateways.</summary>
    private static async Task<double> SumAsync(IReadOnlyList<PushgatewayProcess> gateways, string metric)
    {
        var sum = 0.0;
        foreach (var gateway in gateways)
        {
            sum += (await gateway.ScrapeAsync()).Value(metric);
        }

        return sum;
    }

    internal static string Milliseconds(double ms) => ms switch
    {
        double.PositiveInfinity => string.Create(CultureInfo.InvariantCulture, $"> {CapacitySettings.Grace.TotalSeconds:F0} s"),
        >= 1000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:F2} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms:F1} ms"),
    };

    internal static string MiB(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576:F0} MiB");

    internal static string KiB(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:F0} KiB");

    /// <summary>The machine's 1-minute load average (other builders share its 2 cores: figures vary with it).</summary>
    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>The scrapes of one period and the CPU used over it.</summary>
    private sealed record Measured(IReadOnlyList<(double Seconds, long Bytes)> Scrapes, double GatewayCpuSeconds, double Cores, double OwnCores)
    {
        public string ScrapeCell()
        {
            var seconds = Scrapes.Select(s => s.Seconds).Order().ToArray();
            return seconds.Length == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{seconds[(seconds.Length - 1) / 2]:F3} / {seconds[^1]:F3} s");
        }
    }

    private sealed record PacedRow(int Shards, string Mode, string Format, PacedOutcome Pushes, Measured Measured, int Exact, string Load)
    {
        public const string Header =
            "| groups | gateways | consistency check | format | cadence | pushes/s unpaced / settled | p99 first half | settled p50 | settled p99 | settled max | overloaded (settled) | groups stretched at end / mean interval | last push exact | scrape p50 / max | CPU gateways / bench |";

        public string Markdown() => string.Create(CultureInfo.InvariantCulture,
            $"| {Pushes.Groups:N0} | {Shards} | {Mode} | {Format} | {Pushes.Cadence.Name} | {Pushes.UnpacedPerSecond:F0} / {Pushes.SettledPerSecond:F0} | {Milliseconds(Pushes.FirstHalfPercentile(0.99))} | {Milliseconds(Pushes.SettledPercentile(0.50))} | {Milliseconds(Pushes.SettledPercentile(0.99))} | {Milliseconds(Pushes.SettledPercentile(1))} | {Pushes.SettledOverloaded:N0} | {Pushes.StretchedAtEnd:N0} / {Pushes.MeanFinalIntervalSeconds:F2} s | {Exact:N0} / {Pushes.Groups:N0} | {Measured.ScrapeCell()} | {Measured.Cores:F2} / {Measured.OwnCores:F2} cores |");
    }

    private sealed record Row(
        int Groups, int Shards, string Mode, string Format, Cadence Cadence, PushOutcome Pushes, IReadOnlyList<(double Seconds, long Bytes)> Scrapes,
        double Resident, double Cores, double OwnCores, double CpuMsPerPush, string Load)
    {
        public string Markdown()
        {
            var seconds = Scrapes.Select(s => s.Seconds).Order().ToArray();
            var scrape = seconds.Length == 0
                ? "none"
                : string.Create(CultureInfo.InvariantCulture, $"{seconds[(seconds.Length - 1) / 2]:F3} / {seconds[^1]:F3} s");
            var size = Scrapes.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{Scrapes.Max(s => s.Bytes) / 1048576.0:F1} MiB");
            return string.Create(CultureInfo.InvariantCulture,
                $"| {Groups:N0} | {Shards} | {Mode} | {Format} | {Cadence.Name} | {Pushes.OfferedPerSecond:F0} / {Pushes.DonePerSecond:F0} | {Milliseconds(Pushes.Percentile(0.50))} | {Milliseconds(Pushes.Percentile(0.99))} | {Milliseconds(Pushes.Max)} | {Pushes.SlowerThanAppTimeout} / {Pushes.Errors} / {Pushes.NotDone} | {scrape} | {size} | {MiB(Resident)} | {Cores:F2} / {OwnCores:F2} cores | {CpuMsPerPush:F2} ms | {Load} |");
        }
    }
}
