using System.Globalization;
using System.Text.Json;
using PaymentFunctions.Fleet;
using PaymentFunctions.LoadGenerator;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// A fleet of four real Functions hosts, each with its own instance id, started and stopped (SIGTERM) at overlapping
/// times while <c>paymentload</c> drives them over HTTP with a function key; they push to two real Pushgateway shards,
/// scraped by a real Prometheus running the repository's configuration and rules. The truth is counted from
/// paymentload's own summaries: every run sends amounts either all under 100 USD or all over 1,000 USD, so its counts
/// per status code say how many payments succeeded or failed, how many were high-value, and the severity of each
/// error. At the last scrape after every final push, every payment panel and recording rule and the cold-start panel
/// must equal that truth.
/// </summary>
public sealed class HostFleetTests(ITestOutputHelper output)
{
    private const double Tolerance = 0.01;
    private const string Job = "payment-functions";
    private const int RequestsPerRun = 16;
    // Four scrapes a second: rate() and increase() extrapolate a series to the window's end from its average slope, and
    // with two shards scraped at different offsets one shard's last sample lies up to a scrape before the evaluation
    // time. The over-count is that gap over the time the series was sampled: with 1 s scrapes it reached 1.4 %.
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(0.25);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [HostFact]
    public async Task Four_real_hosts_started_and_stopped_at_overlapping_times_under_paymentload_are_counted_exactly_on_every_payment_panel_and_rule()
    {
        await using var shardA = await PushgatewayProcess.StartAsync();
        await using var shardB = await PushgatewayProcess.StartAsync();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PathOf("deploy/prometheus/prometheus.yml"), [$"127.0.0.1:{shardA.Url.Port}", $"127.0.0.1:{shardB.Url.Port}"], ScrapeInterval, ScrapeInterval);
        using var client = new PrometheusQueryClient(new Uri(prometheus.Url, "/"));
        await Poll.UntilAsync(async () => await client.ScalarAsync("count(up{job=\"pushgateway\"} == 1)") == 2, Deadline, "Prometheus scrapes both shards");
        var started = await client.ScalarAsync("time()") ?? throw new InvalidOperationException("Prometheus has no time");
        using var scenarios = new ScenarioFiles();
        var shards = $"{shardA.Url},{shardB.Url}";
        var truth = new Truth();

        // A and B start together; C starts while they take payments; A stops while B, C take payments and D starts;
        // B stops while C and D take payments; then C and D stop. Every host lives beside at least two others.
        var hosts = await Task.WhenAll(StartAsync("fleet-host-a", shards), StartAsync("fleet-host-b", shards));
        var (a, b) = (hosts[0], hosts[1]);
        var startingC = StartAsync("fleet-host-c", shards);
        await Task.WhenAll(LoadAsync(a, scenarios.Small, 1, truth), LoadAsync(b, scenarios.Large, 2, truth));
        var c = await startingC;

        var startingD = StartAsync("fleet-host-d", shards);
        await Task.WhenAll(StopAsync(a), LoadAsync(c, scenarios.Large, 3, truth), LoadAsync(b, scenarios.Small, 4, truth));
        var d = await startingD;

        await Task.WhenAll(StopAsync(b), LoadAsync(d, scenarios.Small, 5, truth), LoadAsync(c, scenarios.Small, 6, truth));
        await LoadAsync(d, scenarios.Large, 7, truth);
        await Task.WhenAll(StopAsync(c), StopAsync(d));
        output.WriteLine(truth.ToString());

        // Both shards held groups (the instance ids hash to both), and the gateways hold every final push.
        var heldBy = new[] { shardA, shardB }.Select(async g => (await g.ScrapeAsync()).Samples.Where(s => s.Name == "push_time_seconds").Select(s => s.Labels["instance"]).ToHashSet()).ToList();
        var held = await Task.WhenAll(heldBy);
        Assert.All(held, h => Assert.NotEmpty(h));
        Assert.Equal(truth.Instances.Order(), held.SelectMany(h => h).Order());

        // A scrape 30 s after the first one that holds every instance's final payment count: the flat tail lengthens the
        // time each series was sampled, which shrinks the extrapolation above.
        var final = await LastScrapeWithAsync(client, truth);
        double time = 0;
        await Poll.UntilAsync(async () => (time = await client.ScalarAsync("min(timestamp(up{job=\"pushgateway\"}))") ?? 0) > final + 30, Deadline, "30 s of flat series");
        Assert.True(time - started < 280, $"the run must fit in the rules' 5-minute window ({time - started:F0} s)");
        var checks = new List<(string Name, string Query, double Expected, double? Observed)>();
        async Task CheckAsync(string name, string query, double expected, Func<IReadOnlyList<PromSeries>, double?> pick) =>
            checks.Add((name, query, expected, pick(await client.QueryAsync(query, time))));

        var selector = $"job=\"{Job}\"";
        await CheckAsync("payments", $"sum(increase(payment_requests_total{{{selector}}}[10m]))", truth.Payments, Only);
        await CheckAsync("payments status=success", $"sum by (status) (increase(payment_requests_total{{{selector}}}[10m]))", truth.Succeeded, r => Pick(r, "status", "success"));
        await CheckAsync("payments status=failed", $"sum by (status) (increase(payment_requests_total{{{selector}}}[10m]))", truth.Failed, r => Pick(r, "status", "failed"));
        await CheckAsync("errors severity=high", $"sum by (severity) (increase(errors_total{{{selector}}}[10m]))", truth.HighSeverityErrors, r => Pick(r, "severity", "high"));
        await CheckAsync("errors severity=medium", $"sum by (severity) (increase(errors_total{{{selector}}}[10m]))", truth.MediumSeverityErrors, r => Pick(r, "severity", "medium"));
        await CheckAsync("payment invocations", $"sum(increase(function_invocations_total{{{selector},function=\"ProcessPayment\"}}[10m]))", truth.Payments, Only);
        await CheckAsync("panel Cold starts", $"sum by (function) (max_over_time(function_cold_starts_total{{{selector}}}[10m]))", truth.Instances.Count, r => Pick(r, "function", "ProcessPayment"));
        foreach (var rule in RecordingRule.LoadPaymentPanels(Repository.PathOf("deploy/prometheus/rules/recording.yml")))
        {
            var expr = FleetComparison.Restrict(rule.Expr, selector);
            switch (rule.Record)
            {
                case RecordingRule.SuccessRatio:
                    await CheckAsync(rule.Record, expr, (double)truth.Succeeded / truth.Payments, Only);
                    break;
                case RecordingRule.HighValueRatio:
                    await CheckAsync(rule.Record, expr, (double)truth.AboveThousandUsd / truth.Payments, Only);
                    break;
                case RecordingRule.ErrorRate:
                    await CheckAsync(rule.Record + " severity=high", expr, truth.HighSeverityErrors / 300.0, r => Pick(r, "severity", "high"));
                    await CheckAsync(rule.Record + " severity=medium", expr, truth.MediumSeverityErrors / 300.0, r => Pick(r, "severity", "medium"));
                    break;
                case RecordingRule.PaymentRate:
                    await CheckAsync(rule.Record + " status=success", expr, truth.Succeeded / 300.0, r => Pick(r, "status", "success"));
                    await CheckAsync(rule.Record + " status=failed", expr, truth.Failed / 300.0, r => Pick(r, "status", "failed"));
                    break;
                case RecordingRule.MeanLatency:
                    // The gateway's latency is measured inside the app: paymentload cannot know it. Its count is checked above
                    // (every payment is one observation); here only that the panel has a value.
                    checks.Add((rule.Record, expr, double.NaN, Only(await client.QueryAsync(expr, time))));
                    break;
                default:
                    throw new InvalidOperationException($"No truth is known for {rule.Record}.");
            }
        }

        // The other panels of the dashboard, by their queries: the recorded series Prometheus evaluated, as the panels read
        // them, and the raw panels with the run's window instead of Grafana's $__rate_interval. No invalid request was
        // sent; every host stopped gracefully, so none is live and no gauge panel (they keep fresh instances only) shows
        // one; no push failed; the timers were off.
        static string Rule(string record) => record;
        var invocations = $"sum by (function, outcome) (increase(function_invocations_total{{{selector}}}[10m]))";
        await CheckAsync("panel Invocations ProcessPayment success", invocations, truth.Succeeded, r => Pick(r, ("function", "ProcessPayment"), ("outcome", "success")));
        await CheckAsync("panel Invocations ProcessPayment client_error (402)", invocations, truth.Declined, r => Pick(r, ("function", "ProcessPayment"), ("outcome", "client_error")));
        await CheckAsync("panel Invocations ProcessPayment failure (504)", invocations, truth.TimedOut, r => Pick(r, ("function", "ProcessPayment"), ("outcome", "failure")));
        await CheckAsync("panel Invocations of the timers", $"sum(increase(function_invocations_total{{{selector},function!=\"ProcessPayment\"}}[10m]))", 0, Only);
        await CheckAsync("rule job:payment_rejected_ratio:rate5m", Rule("job:payment_rejected_ratio:rate5m"), 0, Only);
        await CheckAsync("rule job_cause:payment_rejected_requests:rate5m (summed)", $"sum({Rule("job_cause:payment_rejected_requests:rate5m")})", 0, Only);
        await CheckAsync("rule job:instances_live:count", Rule("job:instances_live:count"), 0, Only);
        await CheckAsync("rule job:instances_started:count10m", Rule("job:instances_started:count10m"), truth.Instances.Count, Only);
        await CheckAsync("rule instance:metric_push_age:seconds (instances)", $"count({Rule("instance:metric_push_age:seconds")})", truth.Instances.Count, Only);
        foreach (var empty in new[] { "instance:metric_push_failures:increase10m", "pool:database_connections_usage:ratio", "instance:memory_usage:ratio", "instance:cpu_usage_percent:avg" })
        {
            await CheckAsync($"rule {empty} (series)", $"count({Rule(empty)}) or vector(0)", 0, Only);
        }

        var p95 = $"histogram_quantile(0.95, sum by (function, le) (rate(function_duration_seconds_bucket{{{selector},function=\"ProcessPayment\"}}[5m])))";
        checks.Add(("panel Function duration p95 (has a value)", p95, double.NaN, Only(await client.QueryAsync(p95, time))));

        foreach (var (name, query, expected, observed) in checks)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: expected {expected:G6}, Prometheus {observed:G6}   {query}"));
        }

        Assert.True(truth.Succeeded > 0 && truth.Failed > 0 && truth.HighSeverityErrors > 0 && truth.MediumSeverityErrors > 0, $"The fleet should succeed and fail on both sides of 1,000 USD: {truth}");
        var wrong = checks.Where(c => double.IsNaN(c.Expected)
            ? c.Observed is not > 0
            : c.Observed is not { } o || Math.Abs(o - c.Expected) > Tolerance * Math.Abs(c.Expected)).ToList();

        Assert.True(wrong.Count == 0, "Not within 1 % of paymentload's truth:\n" + string.Join('\n', wrong.Select(w => $"{w.Name}: expected {w.Expected}, got {w.Observed?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} ({w.Query})")));
    }

    private static async Task<FleetHost> StartAsync(string instance, string shards) =>
        new(instance, await FunctionsHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["MetricPush__Url"] = shards,
            ["MetricPush__Instance"] = instance,
            ["SystemMetricsSchedule"] = "0 0 0 1 1 *",
            ["MetricJanitorSchedule"] = "0 0 0 1 1 *",
            ["SimulatedGateway__FailureRate"] = "0.3",
            ["SimulatedGateway__PremiumFailureRate"] = "0.3",
            ["SimulatedGateway__LatencyScale"] = "0.05",
        }));

    private static async Task StopAsync(FleetHost host)
    {
        await host.Process.StopGracefullyAsync(TimeSpan.FromSeconds(20));
        await host.Process.DisposeAsync();
    }

    /// <summary>One paymentload run against a host, in-process, over HTTP; its summary's status codes added to the truth.</summary>
    private static async Task LoadAsync(FleetHost host, string scenario, int seed, Truth truth)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var context = new CliContext(stdout, stderr, name => name == LoadGeneratorCli.FunctionKeyVariable ? host.Process.MasterKey : null, ErrorIsTerminal: false, TimeProvider.System);
        using var timeout = new CancellationTokenSource(Deadline);
        var exit = await LoadGeneratorCli.RunAsync(
            ["--url", new Uri(host.Process.Url, "/api/payments").ToString(), "--concurrency", "2", "--requests", $"{RequestsPerRun}", "--seed", $"{seed}", "--scenario", scenario, "--json"],
            context,
            timeout.Token);
        Assert.True(exit == 0, $"paymentload exited {exit}: {stderr}");
        using var summary = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(0, summary.RootElement.GetProperty("transportErrors").GetInt32());
        var codes = summary.RootElement.GetProperty("statusCodes").EnumerateObject().ToDictionary(p => int.Parse(p.Name, CultureInfo.InvariantCulture), p => p.Value.GetInt32());
        truth.Add(host.Id, scenario.EndsWith("large.json", StringComparison.Ordinal), codes);
    }

    private static async Task<double> LastScrapeWithAsync(PrometheusQueryClient client, Truth truth)
    {
        var last = "nothing scraped yet";
        double? found = null;
        await Poll.UntilAsync(
            async () =>
            {
                if (await client.ScalarAsync("min(timestamp(up{job=\"pushgateway\"}))") is not { } scrape)
                {
                    return false;
                }

                var raw = (await client.QueryAsync($"sum by (instance) (payment_requests_total{{job=\"{Job}\"}})", scrape))
                    .ToDictionary(s => s.Label("instance"), s => s.Value, StringComparer.Ordinal);
                var behind = truth.PaymentsByInstance.Where(p => raw.GetValueOrDefault(p.Key, -1) != p.Value).ToList();
                last = behind.Count == 0 ? "done" : $"{behind[0].Key}: {raw.GetValueOrDefault(behind[0].Key, double.NaN)} of {behind[0].Value}";
                found = behind.Count == 0 ? scrape : null;
                return found is not null;
            },
            Deadline,
            "Prometheus scraped every host's final push");
        return found ?? throw new TimeoutException(last);
    }

    private static double? Only(IReadOnlyList<PromSeries> result) => result.Count == 1 ? result[0].Value : null;

    private static double? Pick(IReadOnlyList<PromSeries> result, string label, string value) => Pick(result, (label, value));

    private static double? Pick(IReadOnlyList<PromSeries> result, params (string Label, string Value)[] labels) =>
        result.FirstOrDefault(s => labels.All(l => s.Label(l.Label) == l.Value))?.Value;

    /// <summary>A real host and the instance id it pushes under.</summary>
    private sealed record FleetHost(string Id, FunctionsHostProcess Process);

    /// <summary>What paymentload's responses say happened, per instance and in all.</summary>
    private sealed class Truth
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _payments = new(StringComparer.Ordinal);

        public int Succeeded { get; private set; }

        public int Failed { get; private set; }

        public int Payments => Succeeded + Failed;

        /// <summary>Answered 402: a client error of the invocation.</summary>
        public int Declined { get; private set; }

        /// <summary>Answered 504: a failed invocation.</summary>
        public int TimedOut { get; private set; }

        public int HighSeverityErrors { get; private set; }

        public int MediumSeverityErrors { get; private set; }

        public int AboveThousandUsd { get; private set; }

        public IReadOnlyDictionary<string, int> PaymentsByInstance => _payments;

        public IReadOnlyList<string> Instances => [.. _payments.Keys];

        /// <summary>200 succeeded; 402 (declined) and 504 (gateway timeout) failed, an error of the run's severity.</summary>
        public void Add(string instance, bool large, IReadOnlyDictionary<int, int> codes)
        {
            var unexpected = codes.Keys.Except([200, 402, 504]).ToList();
            Assert.True(unexpected.Count == 0, $"{instance}: unexpected statuses {string.Join(", ", unexpected)}");
            var succeeded = codes.GetValueOrDefault(200);
            var failed = codes.GetValueOrDefault(402) + codes.GetValueOrDefault(504);
            lock (_lock)
            {
                Succeeded += succeeded;
                Failed += failed;
                Declined += codes.GetValueOrDefault(402);
                TimedOut += codes.GetValueOrDefault(504);
                HighSeverityErrors += large ? failed : 0;
                MediumSeverityErrors += large ? 0 : failed;
                AboveThousandUsd += large ? succeeded + failed : 0;
                _payments[instance] = _payments.GetValueOrDefault(instance) + succeeded + failed;
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{_payments.Count} instances, {Payments} payments: {Succeeded} succeeded, {Failed} failed ({HighSeverityErrors} high, {MediumSeverityErrors} medium severity), {AboveThousandUsd} above 1,000 USD; {string.Join(", ", _payments.Select(p => $"{p.Key} {p.Value}"))}");
    }

    /// <summary>Two paymentload scenarios: the default mix of tiers and methods, amounts all under 100 USD or all over 1,000 USD.</summary>
    private sealed class ScenarioFiles : IDisposable
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("host-fleet-");

        public ScenarioFiles()
        {
            Small = Write("small.json", """{ "amounts": [ { "min": 10, "max": 100, "weight": 1 } ] }""");
            Large = Write("large.json", """{ "amounts": [ { "min": 1000.01, "max": 5000, "weight": 1 } ] }""");
        }

        public string Small { get; }

        public string Large { get; }

        public void Dispose() => _directory.Delete(recursive: true);

        private string Write(string name, string json)
        {
            var path = Path.Combine(_directory.FullName, name);
            File.WriteAllText(path, json);
            return path;
        }
    }
}
