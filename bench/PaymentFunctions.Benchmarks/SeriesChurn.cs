using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// A measured run (not BenchmarkDotNet: it measures a real Prometheus, not our code): what every instance of the app costs
/// Prometheus. One instance's real payload (the app's own composition, after start-up, one payment and two system
/// samples) is pushed as <c>groups</c> distinct instance groups to a real Pushgateway, scraped every 15 s (as shipped) by a real
/// Prometheus running the repository's prometheus.yml and rules; it reports the series per instance (pushed, and in
/// Prometheus with the recording rules' per-instance series), head series and Prometheus' memory before and after.
///   dotnet run -c Release --project bench/PaymentFunctions.Benchmarks -- series [groups]
/// The gateway runs with --push.disable-consistency-check so that loading 1,000 groups takes seconds, not minutes
/// (the flag changes the push path only, not what is stored or scraped).
/// </summary>
internal static class SeriesChurn
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public const int DefaultGroups = 1000;

    public static BenchMode Mode { get; } = BenchMode.Of(
        "series",
        "[groups]",
        "what each instance costs Prometheus: series per instance, head series and memory, with a real Pushgateway and Prometheus",
        $"  groups           instance groups pushed, each one instance's real payload (default {DefaultGroups})",
        args => new ArgumentReader(args).SingleCount("groups", DefaultGroups),
        RunAsync);

    public static async Task<int> RunAsync(int groups)
    {
        var payload = await AppPayload.OneInstanceAsync();
        var pushedSeries = AppPayload.SeriesCount(payload);

        await using var gateway = await PushgatewayProcess.StartAsync("--push.disable-consistency-check");
        await using var prometheus = await PrometheusProcess.StartAsync(
            RepositoryFile("deploy/prometheus/prometheus.yml"), $"127.0.0.1:{gateway.Url.Port}", Interval, Interval);
        await UntilAsync(prometheus, "up{job=\"pushgateway\"}", v => v == 1, "Prometheus scrapes the empty gateway");
        await WaitForEvaluationsAsync(prometheus);
        var before = await OwnMetricsAsync(prometheus.Url);

        using var http = new HttpClient { BaseAddress = gateway.Url, Timeout = TimeSpan.FromSeconds(30) };
        var body = Encoding.UTF8.GetBytes(payload);
        await Parallel.ForEachAsync(Enumerable.Range(0, groups), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, token) =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain; version=0.0.4");
            using var response = await http.PutAsync(new Uri($"/metrics/job/payment-functions/instance/churn-{i:0000}", UriKind.Relative), content, token);
            response.EnsureSuccessStatusCode();
        });

        await UntilAsync(prometheus, "count(push_time_seconds{job=\"payment-functions\"})", v => v == groups, $"Prometheus scrapes all {groups} groups");
        await UntilAsync(prometheus, "count(instance:push_age_seconds:fresh{job=\"payment-functions\"})", v => v == groups, "the recording rules cover every group");
        await WaitForEvaluationsAsync(prometheus);
        var after = await OwnMetricsAsync(prometheus.Url);

        // Steady state with every group loaded: CPU over two more evaluations (scrapes and rule evaluation together), and
        // the time one round of every rule group takes.
        var cpuStart = System.Diagnostics.Stopwatch.GetTimestamp();
        await WaitForEvaluationsAsync(prometheus);
        var steady = await OwnMetricsAsync(prometheus.Url);
        var cores = (steady.Value("process_cpu_seconds_total") - after.Value("process_cpu_seconds_total")) / System.Diagnostics.Stopwatch.GetElapsedTime(cpuStart).TotalSeconds;
        var ruleSeconds = steady.Find("prometheus_rule_group_last_duration_seconds").Sum(s => s.Value);
        var inPrometheus = await ScalarAsync(prometheus, "count({instance=\"churn-0000\"})");
        var recorded = await ScalarAsync(prometheus, "count({instance=\"churn-0000\",__name__=~\".*:.*\"})");
        var gatewayRss = (await OwnMetricsAsync(gateway.Url)).Value("process_resident_memory_bytes");
        var scrapeSeconds = await ScalarAsync(prometheus, "scrape_duration_seconds{job=\"pushgateway\"}");

        var headBefore = before.Value("prometheus_tsdb_head_series");
        var headAfter = after.Value("prometheus_tsdb_head_series");
        var perSeries = (after.Value("go_memstats_heap_inuse_bytes") - before.Value("go_memstats_heap_inuse_bytes")) / (headAfter - headBefore);
        var perInstance = (headAfter - headBefore) / groups;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            Series one instance pushes: {pushedSeries} (plus push_time_seconds and push_failure_time_seconds the gateway adds)
            Series of one instance in Prometheus: {inPrometheus} ({recorded} of them from recording rules)
            | | head series | heap in use | resident |
            |---|---:|---:|---:|
            | empty gateway | {headBefore:N0} | {MiB(before.Value("go_memstats_heap_inuse_bytes"))} | {MiB(before.Value("process_resident_memory_bytes"))} |
            | {groups:N0} instance groups | {headAfter:N0} | {MiB(after.Value("go_memstats_heap_inuse_bytes"))} | {MiB(after.Value("process_resident_memory_bytes"))} |
            Steady state with {groups:N0} groups: {cores:F2} cores (scrapes and rule evaluation); one round of every rule group: {ruleSeconds:F3} s
            Head series per instance: {perInstance:F0}; heap per head series: {perSeries:F0} B; Pushgateway resident with {groups:N0} groups: {MiB(gatewayRss)}; one scrape of the gateway: {scrapeSeconds:F2} s
            1,000 instance lifetimes per hour: {perInstance * 1000:N0} new series per hour; the head block holds 2-3 h of them,
            i.e. {perInstance * 1000 * 3:N0} head series and about {MiB(perInstance * 1000 * 3 * perSeries)} of heap at the peak (Go's GC doubles what the OS sees).
            """));
        return 0;
    }

    /// <summary>Waits for two more evaluations of the resources rule group (Prometheus does not scrape itself here: read its /metrics).</summary>
    private static async Task WaitForEvaluationsAsync(PrometheusProcess prometheus)
    {
        var start = await LastEvaluationAsync(prometheus);
        await Poll.UntilAsync(async () => await LastEvaluationAsync(prometheus) > start + Interval.TotalSeconds, Deadline, "two more rule evaluations");
    }

    private static async Task<double> LastEvaluationAsync(PrometheusProcess prometheus) =>
        (await OwnMetricsAsync(prometheus.Url)).Find("prometheus_rule_group_last_evaluation_timestamp_seconds")
            .Where(s => s.Labels.TryGetValue("rule_group", out var group) && group.EndsWith("resources", StringComparison.Ordinal))
            .Select(s => s.Value).DefaultIfEmpty(0).Max();

    private static async Task UntilAsync(PrometheusProcess prometheus, string query, Func<double, bool> condition, string what)
    {
        await Poll.UntilAsync(async () => condition(await ScalarAsync(prometheus, query)), Deadline, what);
    }

    private static async Task<double> ScalarAsync(PrometheusProcess prometheus, string query) =>
        (await prometheus.QueryAsync(query)).SingleOrDefault()?.Value ?? double.NaN;

    private static async Task<PrometheusText> OwnMetricsAsync(Uri server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return PrometheusText.Parse(await http.GetStringAsync(new Uri(server, "/metrics")));
    }

    private static string MiB(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576:F0} MiB");

    private static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}.");
    }
}
