using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// Checks on the compiled template: the managed backend's default path, the aggregating scraper. A Prometheus server
/// (not an agent) next to the gateway, with created-timestamp ingestion, a retention of hours on its own disk, the
/// repository's recording rules as they are, one replica per revision labelled with that revision, and a remote write
/// with the managed identity that keeps only the recorded series, the gateway's up and its own health.
/// </summary>
public static partial class InfrastructureChecks
{
    public const string AggregatingScraper = "aggregating-scraper";

    /// <summary>The longest local retention that is still "hours": the raw series are for a restart's debugging, not history.</summary>
    public static readonly TimeSpan AggregatingScraperMaximumRetention = TimeSpan.FromHours(24);

    /// <summary>The rule files the scraper loads, each mounted from a secret holding the repository file as it is.</summary>
    public static readonly IReadOnlyList<string> AggregatingScraperRuleFiles = ["recording.yml", "scraper.yml"];

    /// <summary>Raw series (name;job) the remote write must drop: the per-instance series and the scraper's own metrics stay local.</summary>
    public static readonly IReadOnlyList<string> RawSeriesKeptLocal =
    [
        "payment_requests_total;payment-functions",
        "function_invocations_total;payment-functions",
        "push_time_seconds;payment-functions",
        "metric_push_final_timestamp_seconds;payment-functions",
        "process_start_time_seconds;payment-functions",
        "memory_usage_bytes;payment-functions",
        "up;aggregating-scraper",
        "prometheus_remote_storage_samples_total;aggregating-scraper",
        "instance:push_age_seconds:fresh;payment-functions",
    ];

    /// <summary>
    /// At most this many recorded series per instance reach the workspace over an instance's life without a fault (each
    /// instance has at most one of each name): the issue's target, against about 161 raw series.
    /// </summary>
    public const int MaximumPerInstanceNames = 5;

    /// <summary>Per-instance recorded series that exist only during a fault: failed pushes (per reason), a refused push.</summary>
    public static readonly IReadOnlyList<string> FaultOnlyPerInstance =
        ["instance:metric_push_failures:increase10m", "instance:push_failure_time_seconds:rejected"];

    private static void CheckAggregatingScraper(ArmTemplate main, string deployDirectory, List<Finding> findings)
    {
        var scrapers = main.AllResources("Microsoft.App/containerApps").Where(a => IsAggregatingScraper(a.Template, a.Resource)).ToList();
        Expect(findings, AggregatingScraper, scrapers.Count == 1, $"expected one aggregating scraper container app, found {scrapers.Count}");
        foreach (var (template, app) in scrapers)
        {
            var label = $"the aggregating scraper (module {template.Name})";
            Expect(findings, AggregatingScraper, ArmConditions.IsDeployed(template, app, ArmConditions.AggregatedPath) && !ArmConditions.IsDeployed(template, app, ArmConditions.RawPath),
                $"{label} is not deployed on the managed backend's aggregated path alone");

            // A server with its own TSDB on the container disk, for hours.
            var args = Args(app).ToList();
            Expect(findings, AggregatingScraper, !args.Contains("--agent") && args.Contains("--storage.tsdb.path=/prometheus"),
                $"{label} is not a Prometheus server with its TSDB on the container's own disk (--storage.tsdb.path=/prometheus, no --agent)");
            Expect(findings, AggregatingScraper, args.Contains(CreatedTimestampZeroIngestion),
                $"{label} does not run with {CreatedTimestampZeroIngestion} (a new instance's first counts never reach the recorded rates)");
            var retentionText = args.Select(a => RetentionArgument().Match(a)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            var retentionTime = retentionText is not null && DurationPattern().IsMatch(retentionText) ? PrometheusDuration(retentionText) : (TimeSpan?)null;
            Expect(findings, AggregatingScraper, retentionTime is { } r && r <= AggregatingScraperMaximumRetention,
                $"{label} keeps its raw series {retentionText ?? "for an unknown time"}, not hours (at most {AggregatingScraperMaximumRetention.TotalHours} h)");

            // One per revision, no ingress.
            Expect(findings, AggregatingScraper, app.Property("properties", "template", "scale", "minReplicas") is { ValueKind: JsonValueKind.Number } min && min.GetInt32() == 1
                    && app.Property("properties", "template", "scale", "maxReplicas") is { ValueKind: JsonValueKind.Number } max && max.GetInt32() == 1
                    && app.Property("properties", "configuration", "activeRevisionsMode")?.GetString() == "Single",
                $"{label} is not one replica of a single active revision (two would write every series twice)");
            Expect(findings, AggregatingScraper, app.Property("properties", "configuration", "ingress") is null, $"{label} has an ingress: nothing needs to reach it");

            // Image: > 2.45 for the azuread managed identity, >= 2.50 for created-timestamp ingestion.
            var version = ImageVersion(main, template, app);
            Expect(findings, AggregatingScraper, version is { } v && v >= new Version(2, 50),
                $"{label} runs image {version?.ToString() ?? "not a pinned literal version"}: created-timestamp ingestion needs 2.50 or newer");

            var config = Variables(template).FirstOrDefault(c => c.Contains("remote_write:", StringComparison.Ordinal)) ?? "";
            CheckRemoteWriter(main, template, app, config, AggregatingScraper, label, findings);
            CheckAggregatingScraperConfig(template, app, config, deployDirectory, label, findings);

            // Every Pushgateway shard is scraped: the targets are the pushgateway module's whole fqdns output (the same
            // check, and rule, as the self-hosted Prometheus's).
            var passed = template.Deployment?.GetProperty("properties").GetProperty("parameters");
            var fqdns = passed is { } p && p.TryGetProperty("pushgatewayFqdns", out var f) && f.TryGetProperty("value", out var fv) && fv.ValueKind == JsonValueKind.String
                ? fv.GetString()! : "";
            var source = ModuleOutputReference().Match(fqdns);
            Expect(findings, ContainerApps,
                source.Success && source.Groups[2].Value == "fqdns"
                    && template.Parent?.Children.SingleOrDefault(c => c.Name == source.Groups[1].Value) is { } shards
                    && shards.Resources.Any(r => r.Type == "Microsoft.App/containerApps" && IsPushgateway(r))
                    && config.Contains("targets: [{2}]", StringComparison.Ordinal),
                $"{label} does not scrape every Pushgateway shard (pushgatewayFqdns is {fqdns})");
        }
    }

    private static void CheckAggregatingScraperConfig(ArmTemplate template, ArmResource app, string configFormat, string deployDirectory, string label, List<Finding> findings)
    {
        YamlMappingNode root;
        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(string.Format(CultureInfo.InvariantCulture, configFormat, "/config", "user", "'gateway:443'", "https://workspace/write", "client")));
            root = (YamlMappingNode)yaml.Documents[0].RootNode;
        }
        catch (Exception ex) when (ex is FormatException or YamlDotNet.Core.YamlException or InvalidCastException or ArgumentOutOfRangeException)
        {
            findings.Add(new(AggregatingScraper, $"the configuration of {label} is not a format string of valid YAML: {ex.Message}"));
            return;
        }

        // The revision as a label on everything written: overlapping revisions write series of their own.
        var replica = Node(root, "global", "external_labels", "replica") as YamlScalarNode;
        Expect(findings, AggregatingScraper, replica?.Value == "${CONTAINER_APP_REVISION}",
            $"{label} does not label what it writes with its revision (global.external_labels.replica: ${{CONTAINER_APP_REVISION}}): a new revision overlapping the old one would write the same series");

        // The repository's rule files, as they are.
        var ruleFiles = (Node(root, "rule_files") as YamlSequenceNode)?.Children.Select(n => ((YamlScalarNode)n).Value).ToList() ?? [];
        var secrets = Array(app.Property("properties", "configuration", "secrets"))
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.TryGetProperty("value", out var v) ? VariableLiteral(template, v) : null, StringComparer.Ordinal);
        var mounted = Array(app.Property("properties", "template", "volumes"))
            .Where(v => v.TryGetProperty("storageType", out var s) && s.GetString() == "Secret")
            .SelectMany(v => Array(v.TryGetProperty("secrets", out var s) ? s : null))
            .ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("secretRef").GetString()!, StringComparer.Ordinal);
        foreach (var file in AggregatingScraperRuleFiles)
        {
            var repository = File.ReadAllText(Path.Combine(deployDirectory, "prometheus", "rules", file));
            Expect(findings, AggregatingScraper, ruleFiles.Contains($"/config/{file}") && mounted.TryGetValue(file, out var secret) && secrets.GetValueOrDefault(secret) == repository,
                $"{label} does not load deploy/prometheus/rules/{file} as it is (listed in rule_files, mounted from a secret holding the file)");
        }

        // Its own metrics, only those its health rules read.
        var jobs = (Node(root, "scrape_configs") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>().ToList() ?? [];
        var self = jobs.FirstOrDefault(j => (Node(j, "job_name") as YamlScalarNode)?.Value == AggregatingScraper);
        var selfTargets = self is null ? "" : string.Join(",", ((YamlSequenceNode)Node(self, "static_configs")!).Children.Cast<YamlMappingNode>()
            .SelectMany(c => ((YamlSequenceNode)Node(c, "targets")!).Children.Select(t => ((YamlScalarNode)t).Value)));
        Expect(findings, AggregatingScraper, self is not null && selfTargets == "localhost:9090" && KeepRegex(self, "metric_relabel_configs", ["__name__"]) is { } selfKeep
                && selfKeep.IsMatch("prometheus_remote_storage_samples_total") && selfKeep.IsMatch("prometheus_rule_evaluation_failures_total") && !selfKeep.IsMatch("go_memstats_heap_inuse_bytes"),
            $"{label} does not scrape its own remote-storage and rule metrics (job {AggregatingScraper} on localhost:9090, keeping prometheus_(remote_storage|rule)_ only)");

        // What it writes: the recorded series, the gateway's up and its health; never a raw per-instance series.
        var remoteWrites = (Node(root, "remote_write") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>().ToList() ?? [];
        var keep = remoteWrites.Count == 1 ? KeepRegex(remoteWrites[0], "write_relabel_configs", ["__name__", "job"]) : null;
        if (keep is null)
        {
            findings.Add(new(AggregatingScraper, $"{label} does not have one remote_write whose write_relabel_configs are one keep over [__name__, job]: it would write every raw series"));
            return;
        }

        var recorded = RecordedNames(Path.Combine(deployDirectory, "prometheus", "rules")).ToList();
        var jobLevel = recorded.Where(n => !IsPerInstance(n)).ToList();
        var droppedJobLevel = jobLevel.Where(n => !keep.IsMatch($"{n};") || !keep.IsMatch($"{n};payment-functions")).ToList();
        Expect(findings, AggregatingScraper, droppedJobLevel.Count == 0,
            $"{label} does not write the job-level recorded series {string.Join(", ", droppedJobLevel)}");
        Expect(findings, AggregatingScraper, keep.IsMatch("up;pushgateway"), $"{label} does not write the gateway's up (PushgatewayDown reads it)");
        var keptRaw = RawSeriesKeptLocal.Where(s => keep.IsMatch(s)).ToList();
        Expect(findings, AggregatingScraper, keptRaw.Count == 0, $"{label} writes series that stay local: {string.Join(", ", keptRaw)}");
        var perInstance = recorded.Where(IsPerInstance).Where(n => keep.IsMatch($"{n};payment-functions")).Except(FaultOnlyPerInstance).ToList();
        Expect(findings, AggregatingScraper, perInstance.Count <= MaximumPerInstanceNames,
            $"{label} writes {perInstance.Count} recorded series per instance without a fault ({string.Join(", ", perInstance)}), more than {MaximumPerInstanceNames}");
    }

    /// <summary>The single keep rule of a relabel list over exactly <paramref name="sources"/>, anchored as Prometheus anchors it; null otherwise.</summary>
    private static Regex? KeepRegex(YamlMappingNode owner, string list, string[] sources)
    {
        if (Node(owner, list) is not YamlSequenceNode { Children.Count: 1 } rules || rules.Children[0] is not YamlMappingNode rule)
        {
            return null;
        }

        var labels = (Node(rule, "source_labels") as YamlSequenceNode)?.Children.Select(n => ((YamlScalarNode)n).Value).ToArray() ?? [];
        return (Node(rule, "action") as YamlScalarNode)?.Value == "keep" && labels.SequenceEqual(sources) && Node(rule, "regex") is YamlScalarNode regex
            ? new Regex($"^(?:{regex.Value})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
            : null;
    }

    /// <summary>Every recording rule's name in the rule files.</summary>
    private static IEnumerable<string> RecordedNames(string rulesDirectory)
    {
        foreach (var file in Directory.GetFiles(rulesDirectory, "*.yml"))
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }

            foreach (var group in ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["groups"]).Children.Cast<YamlMappingNode>())
            {
                foreach (var rule in ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>())
                {
                    if (Text(rule, "record") is { } record)
                    {
                        yield return record;
                    }
                }
            }
        }
    }

    /// <summary>A recorded series that keeps the instance label (levels instance: and pool:).</summary>
    private static bool IsPerInstance(string recorded) =>
        recorded.StartsWith("instance:", StringComparison.Ordinal) || recorded.StartsWith("pool:", StringComparison.Ordinal);

    private static YamlNode? Node(YamlMappingNode node, params string[] path)
    {
        YamlNode? current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(key, out current))
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>
    /// A Prometheus server that remote-writes (its configuration variable has remote_write): the aggregating scraper, not
    /// the self-hosted Prometheus (which writes nowhere) nor the agent (no TSDB).
    /// </summary>
    private static bool IsAggregatingScraper(ArmTemplate template, ArmResource app) =>
        Args(app).Any(a => a.StartsWith("--storage.tsdb.path=", StringComparison.Ordinal))
        && Variables(template).Any(v => v.Contains("remote_write:", StringComparison.Ordinal));

    [GeneratedRegex(@"^--storage\.tsdb\.retention\.time=(.+)$")]
    private static partial Regex RetentionArgument();
}
