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

        Assert.StartsWith("job:payment_success_ratio:rate5m", exprs["Payment success rate"], StringComparison.Ordinal);
        Assert.StartsWith("gateway:payment_duration_seconds:mean5m", exprs["Mean latency by gateway"], StringComparison.Ordinal);
        Assert.StartsWith("job_severity:errors:rate5m", exprs["Errors by severity"], StringComparison.Ordinal);
        Assert.StartsWith("pool:database_connections_usage:ratio", exprs["DB connection pool usage"], StringComparison.Ordinal);
        Assert.StartsWith("job:payment_high_value_ratio:rate5m", exprs["High-value payments (> 1000 USD)"], StringComparison.Ordinal);
        Assert.StartsWith("instance:cpu_usage_percent:avg", exprs["Mean CPU per instance"], StringComparison.Ordinal);
        Assert.StartsWith("instance:memory_usage:ratio", exprs["Memory usage"], StringComparison.Ordinal);
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
                Expr: p.GetProperty("targets").EnumerateArray().Single().GetProperty("expr").GetString(),
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
                Expr: p.GetProperty("targets").EnumerateArray().Single().GetProperty("expr").GetString(),
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

    private static IEnumerable<JsonElement> QueryPanels() =>
        Dashboard.GetProperty("panels").EnumerateArray().Where(p => p.TryGetProperty("targets", out _));
}
