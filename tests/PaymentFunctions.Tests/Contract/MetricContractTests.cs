using System.Globalization;
using System.Text;
using AzureFunctions.PrometheusPush.Internal.Health;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.Payments;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using Prometheus;

namespace PaymentFunctions.Tests.Contract;

/// <summary>One metric as the Pushgateway sees it: name, type, help text, label names (sorted) and histogram buckets.</summary>
public sealed record MetricContract(string Name, string Type, string Help, string[] Labels, double[]? Buckets = null)
{
    public override string ToString() =>
        $"{Name} {Type} [{string.Join(",", Labels)}]"
        + (Buckets is null ? "" : $" le=[{string.Join(",", Buckets.Select(b => b.ToString(CultureInfo.InvariantCulture)))}]")
        + $" \"{Help}\"";
}

/// <summary>
/// Every metric the app pushes (the payment flow's, the system gauges, and the push library's invocation and push-health
/// metrics), read from the app's real registry export, is pinned here. The
/// Pushgateway runs with <c>--push.disable-consistency-check</c> (docker-compose.yml, infra/app/pushgateway.bicep), so
/// during a deploy, when instances of the old and the new app version push side by side, nothing rejects a conflict:
/// DeployConsistencyTests shows what each kind of change does to the gateway.
/// </summary>
public sealed class MetricContractTests
{
    private const string Why =
        "The Pushgateway runs without its consistency check (--push.disable-consistency-check: with it a push costs "
        + "work in proportion to everything the gateway holds), so during a "
        + "deploy the next app version's pushes meet the old version's groups and nothing rejects a conflict: a changed "
        + "TYPE is accepted and then every scrape of the gateway answers 500 for every instance until one version's "
        + "groups are deleted; a changed HELP makes the gateway serve either text at random and log \"metric families "
        + "inconsistent help strings\" on every scrape; changed label names or buckets mix two shapes of one metric in "
        + "every query. Add a new metric name instead (a new name never conflicts), or follow the documented deploy "
        + "procedure (delete the old version's groups) and then update Expected here.";

    private static readonly double[] DurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] AmountBuckets = [1, 10, 50, 100, 500, 1000, 5000];
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The contract: what every instance of the deployed app pushes. Labels sorted; buckets without +Inf.</summary>
    public static readonly IReadOnlyList<MetricContract> Expected =
    [
        new("cpu_usage_percent", "gauge", "CPU utilisation per core between the last two samples, 0-100.", ["core"]),
        new("database_connections_active", "gauge", "Active database connections in the pool.", ["database", "pool"]),
        new("database_connections_max", "gauge", "Maximum size of the database connection pool.", ["database", "pool"]),
        new("errors_total", "counter", "Errors by service, exception type and severity.", ["error_type", "service", "severity"]),
        new("function_cold_starts_total", "counter", "First invocations on a fresh instance (cold starts), by function name.", ["function"]),
        new("function_duration_seconds", "histogram", "Duration of function invocations, in seconds.", ["function"], LatencyBuckets),
        // The outcome value client_error (4xx) was added after the help text was written; the help text stays as it was on purpose (see Why).
        new("function_invocations_total", "counter", "Function invocations by function name and outcome (success, failure).", ["function", "outcome"]),
        new("memory_usage_bytes", "gauge", "Memory of the host or container, in bytes, by type (used, available, total).", ["type"]),
        // 4 buckets (no panel or rule reads push-latency quantiles; the 11 default buckets cost 7 series per instance for nothing).
        new("metric_push_duration_seconds", "histogram", "Duration of pushes to the Pushgateway, in seconds.", [], [0.01, 0.05, 0.25, 1]),
        new("metric_push_failures_total", "counter", "Failed pushes of this registry to the Pushgateway, by reason.", ["reason"]),
        new("metric_push_final_timestamp_seconds", "gauge", "Unix time at which this instance made its final push at shutdown; 0 while it runs.", []),
        new("metric_push_last_success_timestamp_seconds", "gauge", "Unix time of the last successful push to the Pushgateway.", []),
        new("payment_amount_usd", "histogram", "Payment amounts in US dollars.", ["currency", "user_tier"], AmountBuckets),
        new("payment_duration_seconds", "histogram", "Time to process a payment, in seconds.", ["gateway", "payment_method"], DurationBuckets),
        // A metric of its own rather than a new label on payment_requests_total: a new name never conflicts during a deploy.
        new("payment_rejected_requests_total", "counter", "Payment requests rejected as invalid (HTTP 400) before reaching the gateway, by cause: too_large, malformed_body or the first field at fault.", ["cause"]),
        new("payment_requests_total", "counter", "Payment attempts by outcome, gateway and user tier.", ["gateway", "status", "user_tier"]),
        // The Pushgateway exports its own process_start_time_seconds with this help text and rewrites any other.
        new("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", []),
    ];

    [Fact]
    public async Task Every_metric_keeps_its_name_type_help_labels_and_buckets()
    {
        var actual = await ExportAsync();

        var changed = new List<string>();
        foreach (var expected in Expected)
        {
            var found = actual.SingleOrDefault(a => a.Name == expected.Name);
            if (found is null)
            {
                changed.Add($"removed: {expected} (dashboards and rules that read it go empty)");
            }
            else if (found.ToString() != expected.ToString())
            {
                changed.Add($"changed from: {expected}\n            to: {found}");
            }
        }

        foreach (var added in actual.Where(a => Expected.All(e => e.Name != a.Name)))
        {
            changed.Add($"added: {added} (a new name is safe: add it to Expected)");
        }

        Assert.True(changed.Count == 0, $"The app's metric contract changed:\n  {string.Join("\n  ", changed)}\n{Why}");
    }

    [Fact]
    public void Process_start_time_keeps_the_help_text_the_pushgateway_exports_for_its_own_metric()
    {
        // client_golang's standard process collector; the gateway merges its own family of this name with ours.
        var metrics = new PushHealthMetrics(Metrics.NewCustomRegistry());

        Assert.Equal("process_start_time_seconds", metrics.StartTime.Name);
        Assert.Equal("Start time of the process since unix epoch in seconds.", metrics.StartTime.Help);
    }

    /// <summary>
    /// The app's registry (from its real DI registration), exported as the pusher exports it, with one child of every
    /// labelled metric created first so that its samples carry the label names.
    /// </summary>
    private static async Task<List<MetricContract>> ExportAsync()
    {
        using var app = TestApp.Create();
        object[] catalogues =
        [
            app.Metrics,
            app.Services.GetRequiredService<HostMetrics>(),
            app.Services.GetRequiredService<InvocationMetrics>(),
            app.Services.GetRequiredService<PushHealthMetrics>(),
        ];
        foreach (var collector in catalogues.SelectMany(catalogue => catalogue.GetType().GetProperties()
                     .Where(p => typeof(Collector).IsAssignableFrom(p.PropertyType))
                     .Select(p => (Collector)p.GetValue(catalogue)!)))
        {
            var values = collector.LabelNames.Select(l => $"contract-{l}").ToArray();
            if (values.Length == 0)
            {
                continue;
            }

            if (collector is Counter counter)
            {
                counter.WithLabels(values);
            }
            else if (collector is Gauge gauge)
            {
                gauge.WithLabels(values);
            }
            else if (collector is Histogram histogram)
            {
                histogram.WithLabels(values);
            }
            else
            {
                Assert.Fail($"{collector.Name} is a {collector.GetType().Name}: teach this test to create its child");
            }
        }

        using var stream = new MemoryStream();
        await app.Registry.CollectAndExportAsTextAsync(stream);
        return Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>HELP and TYPE lines give each family; its samples give the label names and the histogram buckets.</summary>
    private static List<MetricContract> Parse(string text)
    {
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var type = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line["# HELP ".Length..].Split(' ', 2);
                help[parts[0]] = Unescape(parts.Length > 1 ? parts[1] : "");
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ', 2);
                type[parts[0]] = parts[1];
            }
        }

        samples.AddRange(PrometheusText.Parse(text).Samples);
        Assert.Equal(help.Keys.Order(StringComparer.Ordinal), type.Keys.Order(StringComparer.Ordinal));

        return help.Keys.Order(StringComparer.Ordinal).Select(name =>
        {
            var isHistogram = type[name] == "histogram";
            var own = samples.Where(s => s.Name == name || (isHistogram && s.Name is var n && (n == name + "_bucket" || n == name + "_sum" || n == name + "_count"))).ToList();
            Assert.True(own.Count > 0, $"{name} exported no sample: the test could not read its label names");
            var labels = own.SelectMany(s => s.Labels.Keys).Where(l => l != "le").Distinct().Order(StringComparer.Ordinal).ToArray();
            var buckets = isHistogram
                ? own.Where(s => s.Name == name + "_bucket" && s.Labels["le"] != "+Inf")
                    .Select(s => double.Parse(s.Labels["le"], CultureInfo.InvariantCulture)).Distinct().Order().ToArray()
                : null;
            return new MetricContract(name, type[name], help[name], labels, buckets);
        }).ToList();
    }

    private static string Unescape(string help) => help.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
}
