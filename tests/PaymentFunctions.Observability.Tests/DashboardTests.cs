using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Observability.Tests;

/// <summary>The dashboard is deployable as provisioned: its datasource exists, every panel has a unit and thresholds.</summary>
public sealed class DashboardTests
{
    private static readonly JsonElement Dashboard =
        JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy/grafana/dashboards/payment-functions.json"))).RootElement;

    [Fact]
    public void Every_panel_and_target_uses_the_provisioned_datasource_uid()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Repository.PathOf("deploy/grafana/provisioning/datasources/prometheus.yml")))
        {
            yaml.Load(reader);
        }

        var datasource = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["datasources"]).Children.Single();
        var uid = ((YamlScalarNode)datasource.Children["uid"]).Value;
        Assert.Equal("prometheus", ((YamlScalarNode)datasource.Children["type"]).Value);

        foreach (var panel in QueryPanels())
        {
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal(uid, target.GetProperty("datasource").GetProperty("uid").GetString());
            }
        }
    }

    [Fact]
    public void Every_panel_sets_a_unit_and_thresholds()
    {
        foreach (var panel in QueryPanels())
        {
            var title = panel.GetProperty("title").GetString();
            var defaults = panel.GetProperty("fieldConfig").GetProperty("defaults");
            Assert.False(string.IsNullOrEmpty(defaults.GetProperty("unit").GetString()), $"{title} has no unit.");
            Assert.NotEqual(0, defaults.GetProperty("thresholds").GetProperty("steps").GetArrayLength());
        }
    }

    [Fact]
    public void The_seed_panels_are_there_and_read_recording_rules()
    {
        var exprs = QueryPanels().ToDictionary(
            p => p.GetProperty("title").GetString()!,
            p => p.GetProperty("targets")[0].GetProperty("expr").GetString()!);

        Assert.StartsWith("job:payment_success_ratio:rate5m", Collapsed(exprs["Payment success rate"]), StringComparison.Ordinal);
        Assert.StartsWith("gateway:payment_duration_seconds:mean5m", Collapsed(exprs["Mean latency by gateway"]), StringComparison.Ordinal);
        Assert.StartsWith("job_severity:errors:rate5m", Collapsed(exprs["Errors by severity"]), StringComparison.Ordinal);
        Assert.StartsWith("pool:database_connections_usage:ratio", Collapsed(exprs["DB connection pool usage"]), StringComparison.Ordinal);
        Assert.StartsWith("job:payment_high_value_ratio:rate5m", Collapsed(exprs["High-value payments (> 1000 USD)"]), StringComparison.Ordinal);
        Assert.StartsWith("instance:cpu_usage_percent:avg", Collapsed(exprs["Mean CPU per instance"]), StringComparison.Ordinal);
        Assert.StartsWith("instance:memory_usage:ratio", Collapsed(exprs["Memory usage"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_rejected_request_panels_read_their_rules_next_to_the_payment_panels()
    {
        var panels = Dashboard.GetProperty("panels").EnumerateArray().ToList();
        var payments = panels.FindIndex(p => p.GetProperty("title").GetString() == "Payments (all instances)");
        var rejected = panels.Skip(payments + 1).TakeWhile(p => p.GetProperty("type").GetString() != "row")
            .Where(p => p.GetProperty("title").GetString()!.StartsWith("Rejected", StringComparison.Ordinal))
            .Select(p => (
                Title: p.GetProperty("title").GetString(),
                Expr: Collapsed(p.GetProperty("targets").EnumerateArray().Single().GetProperty("expr").GetString()!),
                Unit: p.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()))
            .ToList();
        Assert.Equal(
            [
                ("Rejected requests (share)", "job:payment_rejected_ratio:rate5m", "percentunit"),
                ("Rejected requests by cause", "job_cause:payment_rejected_requests:rate5m", "reqps"),
            ],
            rejected);
    }

    [Fact]
    public void The_fleet_panels_read_the_fleet_rules_in_their_own_row()
    {
        var panels = Dashboard.GetProperty("panels").EnumerateArray().ToList();
        var row = panels.FindIndex(p => p.GetProperty("title").GetString() == "Fleet (all instances)");
        Assert.True(row >= 0, "The dashboard has no Fleet row.");
        Assert.Equal("row", panels[row].GetProperty("type").GetString());

        var fleet = panels.Skip(row + 1).TakeWhile(p => p.GetProperty("type").GetString() != "row")
            .Select(p => (
                Title: p.GetProperty("title").GetString(),
                Type: p.GetProperty("type").GetString(),
                Expr: Collapsed(p.GetProperty("targets").EnumerateArray().Single().GetProperty("expr").GetString()!),
                Unit: p.GetProperty("fieldConfig").GetProperty("defaults").GetProperty("unit").GetString()))
            .ToList();
        Assert.Equal(
            [
                ("Live instances", "stat", "job:instances_live:count", "short"),
                ("Payments per second by status", "timeseries", "job_status:payment_requests:rate5m", "reqps"),
                ("Instances started per 10 min", "stat", "job:instances_started:count10m", "short"),
            ],
            fleet);
    }

    /// <summary>
    /// A dead instance's group keeps its last gauge values in the Pushgateway for up to 15 minutes; only the recording
    /// rules drop instances without a fresh push. So no panel reads a per-instance gauge itself.
    /// </summary>
    [Fact]
    public void No_panel_reads_a_per_instance_gauge_around_the_freshness_filter()
    {
        string[] gauges = ["database_connections_active", "database_connections_max", "memory_usage_bytes", "cpu_usage_percent", "process_start_time_seconds"];
        foreach (var panel in QueryPanels())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var expr = target.GetProperty("expr").GetString()!;
                foreach (var gauge in gauges)
                {
                    Assert.False(
                        Regex.IsMatch(expr, $@"(?<![\w:]){gauge}(?![\w:])"),
                        $"{panel.GetProperty("title").GetString()} reads the gauge {gauge} directly: {expr}");
                }
            }
        }
    }

    [Fact]
    public void The_instance_variable_offers_all_instances_as_a_regex()
    {
        var variable = Dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == "instance");
        Assert.True(variable.GetProperty("includeAll").GetBoolean());
        Assert.Equal(".*", variable.GetProperty("allValue").GetString());
    }

    /// <summary>
    /// The function panels read the fleet's recorded series, not the raw per-instance counters (which stay next to the
    /// gateway in the managed backend): their row is across instances.
    /// </summary>
    [Fact]
    public void The_function_panels_read_recorded_series_across_instances()
    {
        var functions = RowPanels("Functions (all instances)")
            .Select(p => (Title: p.GetProperty("title").GetString(), Expr: p.GetProperty("targets").EnumerateArray().Single().GetProperty("expr").GetString()))
            .ToList();
        Assert.Equal(
            [
                ("Invocations by function and outcome", "sum by (function, outcome) (max without (replica) (job_function_outcome:function_invocations:rate5m))"),
                ("Function duration p95", "histogram_quantile(0.95, sum by (function, le) (max without (replica) (job_function_le:function_duration_seconds_bucket:rate5m)))"),
                ("Cold starts (instances seen in the last 10 minutes)", "sum by (function) (max without (replica) (job_function:function_cold_starts:sum10m))"),
            ],
            functions);
    }

    /// <summary>The remote-write queue's backlog, retries and losses, the lag and the samples sent are on the dashboard.</summary>
    [Fact]
    public void The_pipeline_row_shows_the_remote_write_queue_and_the_scrapers_health()
    {
        var pipeline = RowPanels("Metrics pipeline (managed: aggregating scraper)")
            .ToDictionary(
                p => p.GetProperty("title").GetString()!,
                p => p.GetProperty("targets").EnumerateArray().Select(t => Collapsed(t.GetProperty("expr").GetString()!)).ToList());
        Assert.Equal(["scraper:remote_write_samples:rate5m"], pipeline["Samples sent to the workspace"]);
        Assert.Equal(
            ["scraper:remote_write_samples_pending:sum", "scraper:remote_write_samples_retried:rate5m", "scraper:remote_write_samples_failed:increase10m"],
            pipeline["Remote-write queue"]);
        Assert.Equal(["scraper:remote_write_lag:seconds"], pipeline["Remote-write lag"]);
        Assert.Equal(["scraper:rule_evaluation_failures:increase10m"], pipeline["Rule evaluation failures (10 min)"]);
    }

    /// <summary>The panels of the row titled <paramref name="title"/>, up to the next row.</summary>
    private static List<JsonElement> RowPanels(string title)
    {
        var panels = Dashboard.GetProperty("panels").EnumerateArray().ToList();
        var row = panels.FindIndex(p => p.GetProperty("title").GetString() == title);
        Assert.True(row >= 0 && panels[row].GetProperty("type").GetString() == "row", $"The dashboard has no row {title}.");
        return [.. panels.Skip(row + 1).TakeWhile(p => p.GetProperty("type").GetString() != "row")];
    }

    /// <summary>The expression inside a panel's <c>max without (replica) (...)</c>, or the expression itself.</summary>
    private static string Collapsed(string expr)
    {
        const string prefix = "max without (replica) (";
        return expr.StartsWith(prefix, StringComparison.Ordinal) && expr.EndsWith(')') ? expr[prefix.Length..^1] : expr;
    }

    private static IEnumerable<JsonElement> QueryPanels() =>
        Dashboard.GetProperty("panels").EnumerateArray().Where(p => p.TryGetProperty("targets", out _));
}
