using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Fleet;

/// <summary>
/// The repository's <c>prometheus.yml</c> made runnable against a local Pushgateway: used by the tests' Prometheus
/// fixture and by <c>scripts/demo.sh --fleet</c>, so both run the very configuration and rules that are deployed.
/// </summary>
public static class PrometheusConfiguration
{
    /// <summary>
    /// The repository's configuration with every static scrape target replaced by <paramref name="scrapeTarget"/>, the
    /// global (and any per-job) scrape interval and the evaluation interval replaced, and rule files made absolute.
    /// </summary>
    public static string Render(string repositoryConfigPath, string scrapeTarget, TimeSpan scrapeInterval, TimeSpan evaluationInterval) =>
        Render(repositoryConfigPath, [scrapeTarget], scrapeInterval, evaluationInterval);

    /// <summary>As above, with the static targets replaced by <paramref name="scrapeTargets"/>: every Pushgateway shard.</summary>
    public static string Render(string repositoryConfigPath, IReadOnlyList<string> scrapeTargets, TimeSpan scrapeInterval, TimeSpan evaluationInterval)
    {
        ArgumentOutOfRangeException.ThrowIfZero(scrapeTargets.Count);
        var yaml = new YamlStream();
        using (var reader = new StreamReader(repositoryConfigPath))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var global = root.Children.TryGetValue("global", out var node) ? (YamlMappingNode)node : new YamlMappingNode();
        root.Children["global"] = global;
        global.Children["scrape_interval"] = Duration(scrapeInterval);
        global.Children["evaluation_interval"] = Duration(evaluationInterval);

        var directory = Path.GetDirectoryName(Path.GetFullPath(repositoryConfigPath))!;
        if (root.Children.TryGetValue("rule_files", out var ruleFiles))
        {
            root.Children["rule_files"] = new YamlSequenceNode(((YamlSequenceNode)ruleFiles).Children
                .Select(f => new YamlScalarNode(Path.GetFullPath(Path.Combine(directory, ((YamlScalarNode)f).Value!)))));
        }

        if (root.Children.TryGetValue("scrape_configs", out var scrapeConfigs))
        {
            foreach (var job in ((YamlSequenceNode)scrapeConfigs).Children.Cast<YamlMappingNode>())
            {
                if (job.Children.ContainsKey("scrape_interval"))
                {
                    job.Children["scrape_interval"] = Duration(scrapeInterval);
                }

                if (job.Children.TryGetValue("static_configs", out var staticConfigs))
                {
                    foreach (var config in ((YamlSequenceNode)staticConfigs).Children.Cast<YamlMappingNode>())
                    {
                        config.Children["targets"] = new YamlSequenceNode(scrapeTargets.Select(t => new YamlScalarNode(t)));
                    }
                }
            }
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString().TrimEnd('.', '\r', '\n') + "\n";
    }

    /// <summary>
    /// The managed backend's agent, locally: the repository's scrape configuration as <see cref="Render"/> makes it,
    /// without the rules and alerting an agent does not run, plus a <c>remote_write</c> to <paramref name="remoteWriteUrl"/>
    /// (plain HTTP here; in Azure the same section carries the azuread managed identity). A short batch deadline so a test
    /// does not wait the default 5 s for each batch.
    /// </summary>
    public static string RenderAgent(string repositoryConfigPath, string scrapeTarget, TimeSpan scrapeInterval, Uri remoteWriteUrl)
    {
        ArgumentNullException.ThrowIfNull(remoteWriteUrl);
        return Edit(Render(repositoryConfigPath, scrapeTarget, scrapeInterval, scrapeInterval), root =>
        {
            root.Children.Remove("rule_files");
            root.Children.Remove("alerting");
            ((YamlMappingNode)root.Children["global"]).Children.Remove("evaluation_interval");
            root.Children["remote_write"] = new YamlSequenceNode(new YamlMappingNode(
                "url", remoteWriteUrl.AbsoluteUri,
                "queue_config", new YamlMappingNode("batch_send_deadline", "500ms")));
        });
    }

    /// <summary>
    /// A Prometheus that only receives remote write and evaluates the repository's rules (as the Azure Monitor workspace
    /// does with the generated rule groups): the repository's configuration without scrape jobs and alerting.
    /// </summary>
    public static string RenderReceiver(string repositoryConfigPath, TimeSpan evaluationInterval) =>
        Edit(Render(repositoryConfigPath, "unused:0", evaluationInterval, evaluationInterval), root =>
        {
            root.Children.Remove("scrape_configs");
            root.Children.Remove("alerting");
        });

    /// <summary>
    /// <paramref name="configuration"/> with the targets of its Alertmanager replaced by <paramref name="alertmanager"/>
    /// (host:port): the rules' alerts go where a test listens.
    /// </summary>
    public static string WithAlertmanager(string configuration, string alertmanager) =>
        Edit(configuration, root =>
        {
            var alerting = (YamlMappingNode)root.Children["alerting"];
            foreach (var manager in ((YamlSequenceNode)alerting.Children["alertmanagers"]).Children.Cast<YamlMappingNode>())
            {
                foreach (var config in ((YamlSequenceNode)manager.Children["static_configs"]).Children.Cast<YamlMappingNode>())
                {
                    config.Children["targets"] = new YamlSequenceNode(new YamlScalarNode(alertmanager));
                }
            }
        });

    private static string Edit(string configuration, Action<YamlMappingNode> edit)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(configuration))
        {
            yaml.Load(reader);
        }

        edit((YamlMappingNode)yaml.Documents[0].RootNode);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString().TrimEnd('.', '\r', '\n') + "\n";
    }

    private static YamlScalarNode Duration(TimeSpan value) =>
        new(((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
}
