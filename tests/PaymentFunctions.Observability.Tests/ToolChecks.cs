using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Observability.Tests;

/// <summary>The deployable files pass their own tools: promtool for Prometheus, docker-compose for the local stack.</summary>
public sealed class ToolChecks
{
    [Fact]
    public async Task Promtool_check_config_accepts_prometheus_yml() =>
        await AssertSucceedsAsync("promtool", ["check", "config", "deploy/prometheus/prometheus.yml"]);

    [Fact]
    public async Task Promtool_check_rules_accepts_every_rule_file() =>
        await AssertSucceedsAsync("promtool", ["check", "rules", .. Files("deploy/prometheus/rules")]);

    [Fact]
    public async Task Promtool_unit_tests_of_the_rules_pass() =>
        await AssertSucceedsAsync("promtool", ["test", "rules", .. Files("deploy/prometheus/tests")]);

    [Fact]
    public async Task Docker_compose_config_accepts_the_local_stack() =>
        await AssertSucceedsAsync(
            "docker-compose",
            ["-f", "docker-compose.yml", "config", "--quiet"],
            ComposeSettings);

    [Fact]
    public async Task The_compose_pushgateway_runs_without_the_per_push_consistency_check() =>
        // With the check a push costs O(everything the gateway holds); 1,000 instances need it off.
        Assert.Contains("--push.disable-consistency-check", await ComposeCommandAsync("pushgateway"));

    [Fact]
    public async Task The_compose_pushgateway_runs_through_the_start_script_with_its_store_on_the_volume()
    {
        // A crash must never restore counters older than Prometheus scraped (docs/faults.md): start.sh owns persistence.
        var entrypoint = await ComposeListAsync("pushgateway", "entrypoint");
        var volumes = await ComposeListAsync("pushgateway", "volumes");
        Assert.Equal(["/bin/sh", "/etc/pushgateway/start.sh"], entrypoint.Take(2));
        Assert.Equal(3, entrypoint.Count);
        Assert.Contains($"{Repository.PathOf("deploy/pushgateway/start.sh")}:/etc/pushgateway/start.sh:ro", volumes);
        Assert.Contains($"pushgateway-data:{Path.GetDirectoryName(entrypoint[2])}:rw", volumes);
        Assert.DoesNotContain(await ComposeCommandAsync("pushgateway"), a => a!.StartsWith("--persistence.", StringComparison.Ordinal));
    }

    /// <summary>What docker-compose resolves, not the file's text: a service's command as its container gets it.</summary>
    private static Task<List<string?>> ComposeCommandAsync(string service) => ComposeListAsync(service, "command");

    /// <summary>A list setting of a service (command, entrypoint, volumes) as docker-compose resolves it.</summary>
    private static async Task<List<string?>> ComposeListAsync(string service, string setting)
    {
        var (exitCode, output) = await Repository.RunAsync(
            "docker-compose",
            ["-f", "docker-compose.yml", "config"],
            ComposeSettings);
        Assert.True(exitCode == 0, output);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output[output.IndexOf("services:", StringComparison.Ordinal)..]));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["services"];
        var list = (YamlSequenceNode)((YamlMappingNode)services.Children[service]).Children[setting];
        return [.. list.Children.Select(c => ((YamlScalarNode)c).Value)];
    }

    [Fact]
    public async Task The_compose_prometheus_stores_a_zero_at_each_created_timestamp()
    {
        // The app pushes protobuf with created timestamps; without the flag a new instance's first counts are lost.
        Assert.Contains(Testing.PrometheusProcess.CreatedTimestampZeroIngestion, await ComposeCommandAsync("prometheus"));
    }

    [Fact]
    public async Task Docker_compose_config_refuses_a_stack_without_a_grafana_admin_password()
    {
        var (exitCode, output) = await Repository.RunAsync(
            "docker-compose",
            ["-f", "docker-compose.yml", "config", "--quiet"],
            new Dictionary<string, string?>(ComposeSettings) { ["GRAFANA_ADMIN_PASSWORD"] = null });

        Assert.True(exitCode != 0, "docker-compose config passed without GRAFANA_ADMIN_PASSWORD:\n" + output);
        Assert.Contains("GRAFANA_ADMIN_PASSWORD", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docker_compose_config_refuses_a_stack_whose_alerts_reach_nobody()
    {
        var (exitCode, output) = await Repository.RunAsync(
            "docker-compose",
            ["-f", "docker-compose.yml", "config", "--quiet"],
            new Dictionary<string, string?>(ComposeSettings) { ["ALERT_WEBHOOK_URL"] = null });

        Assert.True(exitCode != 0, "docker-compose config passed without ALERT_WEBHOOK_URL:\n" + output);
        Assert.Contains("Set ALERT_WEBHOOK_URL to the webhook alerts are sent to", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_compose_alertmanager_writes_the_webhook_url_where_alertmanager_yml_reads_it()
    {
        // The URL is a credential: it reaches the container as a setting and the configuration reads it from a file.
        var command = string.Join(' ', await ComposeCommandAsync("alertmanager"));
        var urlFile = Testing.AlertmanagerConfiguration.WebhookUrlFile(File.ReadAllText(Repository.PathOf("deploy/alertmanager/alertmanager.yml")));
        Assert.Contains($"\"$$ALERT_WEBHOOK_URL\" > {urlFile}", command, StringComparison.Ordinal);
        Assert.Contains("exec /bin/alertmanager --config.file=/etc/alertmanager/alertmanager.yml", command, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", File.ReadAllText(Repository.PathOf("deploy/alertmanager/alertmanager.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Amtool_check_config_accepts_alertmanager_yml() =>
        await AssertSucceedsAsync("amtool", ["check-config", "deploy/alertmanager/alertmanager.yml"]);

    /// <summary>The settings compose refuses to start without, set to placeholders: config is only checked here.</summary>
    private static readonly Dictionary<string, string?> ComposeSettings = new(StringComparer.Ordinal)
    {
        ["GRAFANA_ADMIN_PASSWORD"] = "compose-config-check-only",
        ["ALERT_WEBHOOK_URL"] = "http://127.0.0.1:9/compose-config-check-only",
    };

    private static string[] Files(string directory)
    {
        var files = Directory.GetFiles(Repository.PathOf(directory), "*.yml")
            .Select(f => Path.GetRelativePath(Repository.Root, f))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.NotEmpty(files);
        return files;
    }

    private static async Task AssertSucceedsAsync(
        string tool, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var args = arguments.ToList();
        var (exitCode, output) = await Repository.RunAsync(tool, args, environment);
        Assert.True(exitCode == 0, $"{tool} {string.Join(' ', args)} exited with {exitCode}:\n{output}");
    }
}
