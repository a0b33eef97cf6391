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

    private static YamlScalarNode Duration(TimeSpan value) =>
        new(((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
}
