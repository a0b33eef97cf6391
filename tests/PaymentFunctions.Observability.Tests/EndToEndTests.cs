using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AzureFunctions.PrometheusPush;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentFunctions.Fleet;
using PaymentFunctions.Payments;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// The repository's prometheus.yml and rule files on a real Prometheus scraping a real Pushgateway, fed by the app's own
/// payment flow, sampler and pusher with a known sequence. Every query of the dashboard and every recording rule is run
/// through Prometheus' HTTP API and must return the value computed from that sequence; every alert must be in its
/// expected state. A query that errors, returns nothing, or has no expectation here fails the test.
/// </summary>
public sealed partial class EndToEndTests(ITestOutputHelper output)
{
    private const string Job = "payment-functions";
    private const string Instance = "e2e-1";
    private const string Gateway = "stripe";
    private const string ProcessPayment = "ProcessPayment";
    private const string SampleSystemMetrics = "SampleSystemMetrics";
    private const string ExpireStaleMetricGroups = "ExpireStaleMetricGroups";
    private const string PaymentsUrl = "https://localhost/api/payments";

    private static readonly MethodInfo ProcessPaymentFunction = typeof(PaymentsFunction).GetMethod(nameof(PaymentsFunction.ProcessPayment))!;
    private static readonly MethodInfo SampleSystemMetricsFunction = typeof(SystemMetricsFunction).GetMethod(nameof(SystemMetricsFunction.SampleSystemMetrics))!;

    /// <summary>The window the dashboard's $__rate_interval (and $__range) stand for here; the whole test fits in it.</summary>
    private const double WindowSeconds = 300;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    /// <summary>The seed's five demo payments; order_3 (1200 USD) times out at the gateway.</summary>
    private static readonly ScriptedPayment[] Payments =
    [
        new(new PaymentRequest("order_1", "user_123", 50m, "USD", "standard", "credit_card"), 0.25, Fails: false),
        new(new PaymentRequest("order_2", "user_456", 150m, "USD", "premium", "paypal"), 0.5, Fails: false),
        new(new PaymentRequest("order_3", "user_789", 1200m, "USD", "standard", "credit_card"), 8.0, Fails: true),
        new(new PaymentRequest("order_4", "user_321", 25m, "USD", "basic", "debit_card"), 0.25, Fails: false),
        new(new PaymentRequest("order_5", "user_654", 500m, "USD", "premium", "apple_pay"), 0.5, Fails: false),
    ];

    /// <summary>Duration of each system sampling invocation on the step clock: the real function does not move it.</summary>
    private const double SamplingSeconds = 0;

    /// <summary>Payment requests the function answers 400, with the cause each counts under.</summary>
    private static readonly (string Body, string Cause)[] Rejected =
    [
        ("not json", "malformed_body"),
        ("""{"orderId":"o","userId":"u","amount":10,"currency":"XYZ"}""", "currency"),
        ("""{"orderId":"o","userId":"u","amount":10,"currency":"ABC","userTier":"gold"}""", "currency"),
        ("""{"orderId":"o","userId":"u","amount":10,"currency":"USD","userTier":"gold"}""", "userTier"),
    ];

    /// <summary>Duration of each rejected invocation on the step clock: the real function does not move it.</summary>
    private const double RejectionSeconds = 0;

    [Fact]
    public async Task Every_dashboard_query_recording_rule_and_alert_returns_the_values_of_a_known_payment_sequence()
    {
        var gatewayPort = ExternalProcess.FreePort();
        await using var prometheus = await PrometheusProcess.StartAsync(
            Repository.PathOf("deploy/prometheus/prometheus.yml"),
            $"127.0.0.1:{gatewayPort}",
            scrapeInterval: TimeSpan.FromSeconds(1),
            evaluationInterval: TimeSpan.FromSeconds(1));

        var clock = new StepClock();
        using var host = BuildApp(clock, new Uri($"http://127.0.0.1:{gatewayPort}"));
        var registry = host.Services.GetRequiredService<Prometheus.CollectorRegistry>(); // the registry the app pushes
        var payments = host.Services.GetRequiredService<PaymentService>(); // Sets database_connections_max.
        var pusher = host.Services.GetRequiredService<PushgatewayPusher>();
        var pipeline = new WorkerPipeline(host.Services); // the worker's middleware pipeline of the app

        PushgatewayProcess? pushgateway = null;
        await pusher.StartAsync(CancellationToken.None); // the worker host itself would connect to a Functions host
        try
        {
            // 1. No Pushgateway yet: the pusher fails (connection refused) and counts it.
            await UntilAsync("the pusher records a failed push", async () =>
                (await PrometheusText.FromRegistryAsync(registry)).ValueOrZero("metric_push_failures_total") > 0);

            // 2. The gateway comes up; once a push got through, the failure count stops moving.
            pushgateway = await PushgatewayProcess.StartAsync(gatewayPort);
            await UntilAsync("a push succeeds", async () =>
                (await PrometheusText.FromRegistryAsync(registry)).ValueOrZero("metric_push_last_success_timestamp_seconds") > 0);
            var failures = (await PrometheusText.FromRegistryAsync(registry)).Find("metric_push_failures_total")
                .ToDictionary(s => s.Labels["reason"], s => s.Value);
            output.WriteLine($"Failed pushes before the gateway was up: {string.Join(", ", failures.Select(f => $"{f.Key}={f.Value}"))}");

            // 3. Baseline: the app pushed every series at zero first (and holds the counts back until that is scraped),
            //    so rates see the whole rise.
            await UntilAsync("Prometheus scraped the baseline", async () =>
                (await prometheus.QueryAsync($"count(payment_requests_total{{instance=\"{Instance}\"}})")).SingleOrDefault()?.Value == 6);

            // 4. The known sequence through the worker's pipeline of the app: the payment function (order_3 answers 504),
            //    the rejected requests (400), then two system samples; the app's middleware records each by its own rule
            //    (counts, outcome, duration on the step clock, cold start, push request).
            var invocation = 0;
            foreach (var payment in Payments)
            {
                invocation++;
                var response = await pipeline.PostAsync(ProcessPaymentFunction, PaymentsUrl, JsonSerializer.Serialize(payment.Request, JsonSerializerOptions.Web), $"invocation-{invocation}");
                Assert.Equal(payment.Fails ? 504 : 200, (int)response.StatusCode);
            }

            foreach (var (body, _) in Rejected)
            {
                invocation++;
                var response = await pipeline.PostAsync(ProcessPaymentFunction, PaymentsUrl, body, $"invocation-{invocation}");
                Assert.Equal(400, (int)response.StatusCode);
            }

            for (var sample = 1; sample <= 2; sample++)
            {
                await pipeline.InvokeAsync(SampleSystemMetricsFunction, new TimerInfo(), $"sample-{sample}");
            }

            await UntilAsync("Prometheus scraped the whole sequence", async () =>
                (await prometheus.QueryAsync($"sum(payment_requests_total{{instance=\"{Instance}\"}})")).SingleOrDefault()?.Value == 5
                && (await prometheus.QueryAsync($"sum(function_invocations_total{{instance=\"{Instance}\"}})")).SingleOrDefault()?.Value == Payments.Length + Rejected.Length + 2
                && (await prometheus.QueryAsync($"sum(payment_rejected_requests_total{{instance=\"{Instance}\"}})")).SingleOrDefault()?.Value == Rejected.Length
                && (await prometheus.QueryAsync($"count(cpu_usage_percent{{instance=\"{Instance}\"}})")).SingleOrDefault()?.Value == 2);

            // 5. Every dashboard query and recording rule, until all match or the deadline passes.
            var expectations = Expectations(failures);
            var queries = DashboardQueries().Concat(RecordingRuleQueries()).ToList();
            var report = await ConvergeAsync(prometheus, queries, expectations);
            output.WriteLine(report);

            // 6. Alert states.
            await AssertAlertStatesAsync(prometheus, ExpectedAlertStates(failures));

            // 7. The dashboard's instance variable offers the instance.
            var instances = await prometheus.QueryAsync("group by (instance) (metric_push_last_success_timestamp_seconds)");
            Assert.Equal([Instance], instances.Select(s => s.Labels["instance"]));
        }
        finally
        {
            await pusher.StopAsync(CancellationToken.None);
            if (pushgateway is not null)
            {
                await pushgateway.DisposeAsync();
            }
        }
    }

    private static IHost BuildApp(StepClock clock, Uri pushgateway)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MetricPush:Url"] = pushgateway.AbsoluteUri,
            ["MetricPush:Job"] = Job,
            ["MetricPush:Instance"] = Instance,
            ["MetricPush:IntervalSeconds"] = "0.25",
            // Scraped every second here: counts go out 1.5 s after the zero push landed (the app's own zero start).
            ["MetricPush:FirstValuesDelaySeconds"] = "1.5",
            ["MetricPush:TimeoutSeconds"] = "2",
        });
        // Registered before the app's registrations, which only TryAdd these.
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddSingleton<IPaymentGateway>(new ScriptedGateway(clock, Payments));
        builder.Services.AddScriptedSystemStats(
            new ScriptedReading(900, 100, 1000, [(0, 0), (0, 0)]),
            new ScriptedReading(900, 100, 1000, [(20, 100), (40, 100)]));
        builder.ConfigurePaymentFunctions(); // what Program.cs runs
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    /// <summary>What each panel (by title) and each recording rule (by name) must return for the known sequence.</summary>
    private static Dictionary<string, Expected[]> Expectations(IReadOnlyDictionary<string, double> failures)
    {
        var latencies = Payments.Select(p => p.LatencySeconds).ToList();
        var succeeded = Payments.Count(p => !p.Fails);
        var highErrors = Payments.Count(p => p.Fails && p.Request.Amount > 1000m);
        var mediumErrors = Payments.Count(p => p.Fails && p.Request.Amount <= 1000m);
        var above1000 = Payments.Count(p => p.Request.Amount > 1000m);

        // One payment at a time, all of them over: the pool is back at its baseline, 15 of 20 (the seed's pool kept
        // the connection of every success, up to 20).
        const double gauge = 15;

        Expected[] successRatio = [Expected.Exactly((double)succeeded / Payments.Length, ("job", Job))];
        Expected[] meanLatency = [Expected.Exactly(latencies.Sum() / latencies.Count, ("gateway", Gateway))];
        Expected[] errorRates =
        [
            Expected.Rate(highErrors, WindowSeconds, ("job", Job), ("severity", "high")),
            Expected.Rate(mediumErrors, WindowSeconds, ("job", Job), ("severity", "medium")),
        ];
        Expected[] highValue = [Expected.Exactly((double)above1000 / Payments.Length, ("job", Job))];
        Expected[] pool = [Expected.Exactly(gauge / 20.0, ("instance", Instance), ("database", "payment_db"), ("pool", "main_pool"))];
        Expected[] memory = [Expected.Exactly(900.0 / 1000.0, ("instance", Instance))];
        Expected[] cpu = [Expected.Exactly((20.0 + 40.0) / 2, ("instance", Instance))];
        // Pushed every 0.25 s, scraped and evaluated every second: the last accepted push is at most a few seconds old.
        Expected[] pushAge = [Expected.Between(0, 3, ("instance", Instance))];
        // Only this instance's group is in the gateway, and it pushes every 0.25 s: it is fresh, live, and started within
        // the last 10 minutes (its process_start_time_seconds was set when its pusher started, at the test's start).
        Expected[] freshAge = [Expected.Between(0, 3, ("job", Job), ("instance", Instance))];
        Expected[] live = [Expected.Exactly(1, ("job", Job))];
        Expected[] started = [Expected.Exactly(1, ("job", Job))];
        Expected[] paymentsByStatus =
        [
            Expected.Rate(succeeded, WindowSeconds, ("job", Job), ("status", "success")),
            Expected.Rate(Payments.Length - succeeded, WindowSeconds, ("job", Job), ("status", "failed")),
        ];
        Expected[] rejectedShare = [Expected.Exactly((double)Rejected.Length / (Rejected.Length + Payments.Length), ("job", Job))];
        Expected[] rejectedByCause = PaymentRequestParser.RejectionCauses
            .Select(cause => Expected.Rate(Rejected.Count(r => r.Cause == cause), WindowSeconds, ("job", Job), ("cause", cause)))
            .ToArray();
        Expected[] pushFailures = failures
            .Where(f => f.Value > 0) // the rule keeps only reasons that failed (counted from the 0 at their created timestamp)
            .Select(f => Expected.Increase(f.Value, ("instance", Instance), ("reason", f.Key)))
            .ToArray();
        Expected[] invocations =
        [
            // The app's rule: order_3's 504 is a failed invocation, the 400s client errors.
            Expected.Rate(succeeded, WindowSeconds, ("function", ProcessPayment), ("outcome", "success")),
            Expected.Rate(Rejected.Length, WindowSeconds, ("function", ProcessPayment), ("outcome", "client_error")),
            Expected.Rate(Payments.Length - succeeded, WindowSeconds, ("function", ProcessPayment), ("outcome", "failure")),
            Expected.Rate(2, WindowSeconds, ("function", SampleSystemMetrics), ("outcome", "success")),
            Expected.Rate(0, WindowSeconds, ("function", SampleSystemMetrics), ("outcome", "client_error")), // created at zero by the app
            Expected.Rate(0, WindowSeconds, ("function", SampleSystemMetrics), ("outcome", "failure")), // created at zero by the app
            Expected.Rate(0, WindowSeconds, ("function", ExpireStaleMetricGroups), ("outcome", "success")), // not invoked
            Expected.Rate(0, WindowSeconds, ("function", ExpireStaleMetricGroups), ("outcome", "client_error")),
            Expected.Rate(0, WindowSeconds, ("function", ExpireStaleMetricGroups), ("outcome", "failure")),
        ];
        List<double> processPaymentDurations = [.. latencies, .. Rejected.Select(_ => RejectionSeconds)];
        List<double> samplingDurations = [SamplingSeconds, SamplingSeconds];
        Expected[] coldStarts =
        [
            // One cold start per instance: its first invocation, which was a payment.
            Expected.Exactly(1, ("function", ProcessPayment)),
            Expected.Exactly(0, ("function", SampleSystemMetrics)),
            Expected.Exactly(0, ("function", ExpireStaleMetricGroups)),
        ];
        Expected[] durationBuckets =
        [
            .. BucketRates(ProcessPayment, processPaymentDurations),
            .. BucketRates(SampleSystemMetrics, samplingDurations),
            .. BucketRates(ExpireStaleMetricGroups, []),
        ];
        Expected[] amountBuckets = AmountBounds
            .Select(bound => Expected.Rate(Payments.Count(p => (double)p.Request.Amount <= bound), WindowSeconds, ("job", Job), ("le", LeLabel(bound))))
            .Append(Expected.Rate(Payments.Length, WindowSeconds, ("job", Job), ("le", "+Inf")))
            .ToArray();
        // Only the managed backend's aggregating scraper records its remote-write health: nothing here, which writes nowhere.
        Expected[] nothing = [];

        var expectations = new Dictionary<string, Expected[]>(StringComparer.Ordinal)
        {
            // Dashboard panels, by title.
            ["Payment success rate"] = successRatio,
            ["Mean latency by gateway"] = meanLatency,
            ["Errors by severity"] = errorRates,
            ["High-value payments (> 1000 USD)"] = highValue,
            ["DB connection pool usage"] = pool,
            ["Mean CPU per instance"] = cpu,
            ["Memory usage"] = memory,
            ["Age of last push"] = pushAge,
            ["Push failures (10 min)"] = pushFailures,
            ["Invocations by function and outcome"] = invocations,
            ["Function duration p95"] =
            [
                Expected.Exactly(Quantile95(processPaymentDurations), ("function", ProcessPayment)),
                Expected.Exactly(Quantile95(samplingDurations), ("function", SampleSystemMetrics)),
                Expected.NotANumber(("function", ExpireStaleMetricGroups)), // created empty by the app, never invoked
            ],
            ["Cold starts (instances seen in the last 10 minutes)"] = coldStarts,
            ["Live instances"] = live,
            ["Payments per second by status"] = paymentsByStatus,
            ["Instances started per 10 min"] = started,
            ["Rejected requests (share)"] = rejectedShare,
            ["Rejected requests by cause"] = rejectedByCause,
            ["Samples sent to the workspace"] = nothing,
            ["Remote-write queue"] = nothing,
            ["Remote-write lag"] = nothing,
            ["Rule evaluation failures (10 min)"] = nothing,

            // Recording rules, by name.
            ["job:payment_success_ratio:rate5m"] = successRatio,
            ["gateway:payment_duration_seconds:mean5m"] = meanLatency,
            ["job_severity:errors:rate5m"] = errorRates,
            ["job:payment_high_value_ratio:rate5m"] = highValue,
            ["pool:database_connections_usage:ratio"] = pool,
            ["instance:memory_usage:ratio"] = memory,
            ["instance:cpu_usage_percent:avg"] = cpu,
            ["instance:metric_push_age:seconds"] = pushAge,
            ["instance:metric_push_failures:increase10m"] = pushFailures,
            ["instance:push_age_seconds:fresh"] = freshAge,
            ["job:instances_live:count"] = live,
            ["job:instances_started:count10m"] = started,
            ["job_status:payment_requests:rate5m"] = paymentsByStatus,
            ["job:payment_rejected_ratio:rate5m"] = rejectedShare,
            ["job_cause:payment_rejected_requests:rate5m"] = rejectedByCause,
            // The gateway answered every scrape of the run: no outage silences the per-instance push alerts.
            ["pushgateway:up:min15m"] = [Expected.Exactly(1, ("job", "pushgateway"))],
            ["gateway:payment_duration_seconds_sum:rate5m"] = [Expected.Rate(latencies.Sum(), WindowSeconds, ("gateway", Gateway))],
            ["gateway:payment_duration_seconds_count:rate5m"] = [Expected.Rate(latencies.Count, WindowSeconds, ("gateway", Gateway))],
            ["job_le:payment_amount_usd_bucket:rate5m"] = amountBuckets,
            ["job:payment_amount_usd_count:rate5m"] = [Expected.Rate(Payments.Length, WindowSeconds, ("job", Job))],
            ["job_function_outcome:function_invocations:rate5m"] = invocations,
            ["job_function_le:function_duration_seconds_bucket:rate5m"] = durationBuckets,
            ["job_function:function_cold_starts:sum10m"] = coldStarts,
            // The instance is running (no final push) and the gateway took every push.
            ["instance:metric_push_final_timestamp_seconds:finished"] = nothing,
            ["instance:push_failure_time_seconds:rejected"] = nothing,
        };

        // The aggregating scraper's health rules (deploy/prometheus/rules/scraper.yml) read its own metrics: this Prometheus
        // neither loads them nor remote-writes, so their expressions find nothing.
        foreach (var (record, _) in RecordingRules().Where(r => r.Record.StartsWith("scraper:", StringComparison.Ordinal)))
        {
            expectations[record] = nothing;
        }

        return expectations;
    }

    /// <summary>
    /// The state every alert in alerts.yml must be in after the sequence (all have a for: of a minute or more), given the
    /// push attempts that failed before the gateway was up.
    /// </summary>
    private static Dictionary<string, string> ExpectedAlertStates(IReadOnlyDictionary<string, double> failures) => new(StringComparer.Ordinal)
    {
        ["HighErrorRate"] = "inactive",          // 1 high error in 5 min: 0.0033/s, not above 0.1/s.
        ["PaymentSuccessRateLow"] = "pending",   // 80 % < 95 %.
        ["DatabaseConnectionsHigh"] = "inactive", // 15 of 20 (75 %) at rest; at most 16 while one payment was in flight.
        ["HighResponseTime"] = "inactive",       // 1.9 s mean, not above 2 s.
        ["MemoryUsageHigh"] = "pending",         // 90 % > 85 %.
        ["PaymentRequestsRejected"] = "pending", // 4 of 9 requests rejected (44 % > 10 %), 4 in 5 min (0.013/s >= 0.01/s).
        ["MetricPushStale"] = "inactive",
        ["MetricPushAllStale"] = "inactive",
        ["MetricPushAbsent"] = "inactive",        // Pending before the first scrape, resolved since.
        // The refused pushes before the gateway was up, when more than two attempts of a reason failed (a retry that
        // absorbed one or two is no fault).
        ["MetricPushFailing"] = failures.Values.Any(f => f > 2) ? "pending" : "inactive",
        ["MetricPushRejected"] = "inactive",
        ["PushgatewayDown"] = "inactive",         // Pending before the gateway started, resolved since.
    };

    /// <summary>The upper bounds of function_duration_seconds' buckets (the metric contract).</summary>
    private static readonly double[] DurationBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The upper bounds of payment_amount_usd's buckets (the metric contract).</summary>
    private static readonly double[] AmountBounds = [1, 10, 50, 100, 500, 1000, 5000];

    /// <summary>Each bucket's rate (cumulative, as Prometheus reads a histogram) of one function's observations.</summary>
    private static IEnumerable<Expected> BucketRates(string function, List<double> observations) =>
        DurationBounds
            .Select(bound => Expected.Rate(observations.Count(o => o <= bound), WindowSeconds, ("function", function), ("le", LeLabel(bound))))
            .Append(Expected.Rate(observations.Count, WindowSeconds, ("function", function), ("le", "+Inf")));

    /// <summary>The le label as Prometheus 3 stores it (a float: 1 becomes 1.0).</summary>
    private static string LeLabel(double bound) =>
        bound == Math.Floor(bound) ? bound.ToString("0.0", CultureInfo.InvariantCulture) : bound.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Grafana's histogram_quantile(0.95) over the function duration buckets, computed here from the observations.</summary>
    private static double Quantile95(List<double> observations)
    {
        double[] bounds = DurationBounds;
        var rank = 0.95 * observations.Count;
        var below = 0.0;
        var lower = 0.0;
        foreach (var bound in bounds)
        {
            var cumulative = observations.Count(o => o <= bound);
            if (cumulative >= rank)
            {
                return lower + ((bound - lower) * (rank - below) / (cumulative - below));
            }

            below = cumulative;
            lower = bound;
        }

        return bounds[^1];
    }

    /// <summary>Every target expression of every panel in the dashboard JSON, with the dashboard variables substituted.</summary>
    internal static List<Query> DashboardQueries()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy/grafana/dashboards/payment-functions.json")));
        var queries = new List<Query>();
        foreach (var panel in AllPanels(document.RootElement.GetProperty("panels")))
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }

            var title = panel.GetProperty("title").GetString()!;
            foreach (var target in targets.EnumerateArray())
            {
                var expr = target.GetProperty("expr").GetString()!;
                queries.Add(new Query($"panel \"{title}\"", title, Substitute(expr), ReadsRecordingRule(expr)));
            }
        }

        Assert.NotEmpty(queries);
        return queries;
    }

    private static IEnumerable<JsonElement> AllPanels(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in AllPanels(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Each recording rule's expression (run as it is) and its recorded series (as panels read it).</summary>
    internal static List<Query> RecordingRuleQueries()
    {
        var queries = new List<Query>();
        foreach (var (record, expr) in RecordingRules())
        {
            queries.Add(new Query($"rule {record} (expression)", record, expr, ReadsRecording: false));
            queries.Add(new Query($"rule {record} (recorded)", record, record, ReadsRecording: true));
        }

        Assert.NotEmpty(queries);
        return queries;
    }

    private static List<(string Record, string Expr)> RecordingRules()
    {
        var rules = new List<(string, string)>();
        foreach (var file in Directory.GetFiles(Repository.PathOf("deploy/prometheus/rules"), "*.yml").Order(StringComparer.Ordinal))
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }

            var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["groups"];
            foreach (var group in groups.Children.Cast<YamlMappingNode>())
            {
                foreach (var rule in ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>())
                {
                    if (rule.Children.TryGetValue("record", out var record))
                    {
                        rules.Add((((YamlScalarNode)record).Value!, ((YamlScalarNode)rule.Children["expr"]).Value!));
                    }
                }
            }
        }

        return rules;
    }

    private static bool ReadsRecordingRule(string expr) => RecordingRules().Any(r => expr.Contains(r.Record, StringComparison.Ordinal));

    /// <summary>Grafana's variables as the test fixes them: all instances, and a 5-minute window.</summary>
    private static string Substitute(string expr)
    {
        var window = ((int)WindowSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        var result = VariablePattern().Replace(expr, match => match.Groups["name"].Value switch
        {
            "instance" => ".*",
            "__rate_interval" or "__interval" or "__range" => window,
            var other => throw new InvalidOperationException($"The dashboard uses the variable ${other}, which this test does not substitute: {expr}"),
        });
        return result;
    }

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex VariablePattern();

    /// <summary>
    /// Runs every query at the time of the latest scrape until all match their expectations or the deadline passes.
    /// At a scrape's own timestamp a rate over a window that starts before the zero baseline is exact: no extrapolation.
    /// </summary>
    private static async Task<string> ConvergeAsync(PrometheusProcess prometheus, List<Query> queries, Dictionary<string, Expected[]> expectations)
    {
        var missing = queries.Where(q => !expectations.ContainsKey(q.Key)).Select(q => q.Name).ToList();
        Assert.True(missing.Count == 0, "No expected value is registered for: " + string.Join("; ", missing));

        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var scrape = (await prometheus.QueryAsync($"timestamp(push_time_seconds{{instance=\"{Instance}\"}})")).Single().Value;
            var problems = new List<string>();
            var report = new StringBuilder();
            foreach (var query in queries)
            {
                IReadOnlyList<PromSeries> result;
                try
                {
                    result = await prometheus.QueryAsync(query.Expr, scrape);
                }
                catch (InvalidOperationException ex)
                {
                    Assert.Fail($"{query.Name}: the query errors: {ex.Message}");
                    throw;
                }

                report.AppendLine($"{query.Name}: {query.Expr.ReplaceLineEndings(" ")}");
                foreach (var sample in result)
                {
                    report.AppendLine($"    {sample}");
                }

                if (Check(query, result, expectations[query.Key]) is { } problem)
                {
                    problems.Add($"{query.Name}: {problem}");
                }
            }

            if (problems.Count == 0)
            {
                return report.ToString();
            }

            if (stopwatch.Elapsed > Deadline)
            {
                Assert.Fail($"Queries did not converge within {Deadline}:\n{string.Join('\n', problems)}\n\nLast results:\n{report}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Null when the result has exactly the expected series with the expected values; else what is wrong.</summary>
    private static string? Check(Query query, IReadOnlyList<PromSeries> result, Expected[] expected)
    {
        if (result.Count == 0)
        {
            // Some queries rightly return nothing here: a recorded series that exists only in a fault, a panel of the
            // managed backend's scraper.
            return expected.Length == 0 ? null : "no data";
        }

        var problems = new List<string>();
        foreach (var e in expected)
        {
            var matches = result.Where(s => e.Labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
            if (matches.Count != 1)
            {
                problems.Add($"{matches.Count} series match {e}");
            }
            else if (!e.Accepts(matches[0].Value, query.ReadsRecording))
            {
                problems.Add($"{matches[0]} is not {e}");
            }
        }

        if (result.Count != expected.Length)
        {
            problems.Add($"{result.Count} series returned, {expected.Length} expected: {string.Join("; ", result)}");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private async Task AssertAlertStatesAsync(PrometheusProcess prometheus, Dictionary<string, string> expectedAlertStates)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var states = new Dictionary<string, string>(StringComparer.Ordinal);
            var data = await prometheus.GetDataAsync("/api/v1/rules?type=alert");
            foreach (var group in data.GetProperty("groups").EnumerateArray())
            {
                foreach (var rule in group.GetProperty("rules").EnumerateArray())
                {
                    states[rule.GetProperty("name").GetString()!] = rule.GetProperty("state").GetString()!;
                }
            }

            var unexpected = states.Keys.Except(expectedAlertStates.Keys).ToList();
            Assert.True(unexpected.Count == 0, "No expected state is registered for the alerts: " + string.Join(", ", unexpected));
            var wrong = expectedAlertStates
                .Where(e => !states.TryGetValue(e.Key, out var state) || state != e.Value)
                .Select(e => $"{e.Key}: {states.GetValueOrDefault(e.Key, "missing")}, expected {e.Value}")
                .ToList();
            if (wrong.Count == 0)
            {
                output.WriteLine("Alert states: " + string.Join(", ", states.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}")));
                var pending = await prometheus.QueryAsync("ALERTS{alertstate=\"pending\"}");
                foreach (var alert in pending)
                {
                    output.WriteLine("    " + alert);
                }

                Assert.Equal(
                    expectedAlertStates.Where(e => e.Value == "pending").Select(e => e.Key).Order(StringComparer.Ordinal),
                    pending.Select(a => a.Labels["alertname"]).Distinct().Order(StringComparer.Ordinal));
                return;
            }

            if (stopwatch.Elapsed > Deadline)
            {
                Assert.Fail("Alert states did not converge:\n" + string.Join('\n', wrong));
            }

            await Task.Delay(500);
        }
    }

    private static Task UntilAsync(string what, Func<Task<bool>> condition) => Poll.UntilAsync(condition, Deadline, what);

    /// <summary>A query to run: a name for messages, the key of its expectation, the PromQL, and whether it reads a recorded series.</summary>
    internal sealed record Query(string Name, string Key, string Expr, bool ReadsRecording);

    /// <summary>The value one series (picked by a subset of its labels) must have.</summary>
    private sealed record Expected(IReadOnlyDictionary<string, string> Labels, double Min, double Max, double? RecordedMax)
    {
        private static readonly double Epsilon = 1e-9;

        public static Expected Exactly(double value, params (string Label, string Value)[] labels) =>
            new(ToDictionary(labels), value - Tolerance(value), value + Tolerance(value), null);

        public static Expected Between(double min, double max, params (string Label, string Value)[] labels) =>
            new(ToDictionary(labels), min, max, null);

        /// <summary>
        /// A per-second rate of <paramref name="events"/> over the window: exact when evaluated at a scrape's timestamp.
        /// A recorded rate was evaluated up to a scrape interval after its last sample and extrapolated by that much
        /// (Prometheus' rate()), so it may read up to 10 % higher once the samples span 10 s or more.
        /// </summary>
        public static Expected Rate(double events, double windowSeconds, params (string Label, string Value)[] labels)
        {
            var value = events / windowSeconds;
            return new(ToDictionary(labels), value - Tolerance(value), value + Tolerance(value), (value * 1.1) + Tolerance(value));
        }

        /// <summary>
        /// An increase() of <paramref name="events"/>: exact when evaluated at a scrape's timestamp; recorded between
        /// scrapes, it is extrapolated like a rate (see <see cref="Rate"/>).
        /// </summary>
        public static Expected Increase(double events, params (string Label, string Value)[] labels) =>
            new(ToDictionary(labels), events - Tolerance(events), events + Tolerance(events), (events * 1.1) + Tolerance(events));

        /// <summary>No observation yet: a quantile of an empty histogram is NaN.</summary>
        public static Expected NotANumber(params (string Label, string Value)[] labels) =>
            new(ToDictionary(labels), double.NaN, double.NaN, null);

        public bool Accepts(double value, bool recorded) =>
            double.IsNaN(Min) ? double.IsNaN(value) : value >= Min && value <= (recorded && RecordedMax is { } max ? max : Max);

        public override string ToString() =>
            "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "} "
            + (Max - Min <= 2 * Tolerance(Max) ? Format((Min + Max) / 2) : $"in [{Format(Min)}, {Format(RecordedMax ?? Max)}]");

        private static double Tolerance(double value) => Epsilon * Math.Max(1, Math.Abs(value));

        private static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

        private static Dictionary<string, string> ToDictionary((string Label, string Value)[] labels) =>
            labels.ToDictionary(l => l.Label, l => l.Value, StringComparer.Ordinal);
    }
}
