using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Testing;

/// <summary>
/// The repository's <c>alertmanager.yml</c> made runnable in a test: its receivers read the webhook URL from a file
/// (<c>url_file</c>); only that file's path is replaced, by one the test wrote with its listener's URL. Routes, grouping,
/// timings and inhibitions stay as shipped.
/// </summary>
public static class AlertmanagerConfiguration
{
    /// <summary>The one <c>url_file</c> every webhook receiver of <paramref name="configuration"/> reads.</summary>
    public static string WebhookUrlFile(string configuration) =>
        WebhookConfigs(Load(configuration)).Select(c => ((YamlScalarNode)c.Children["url_file"]).Value!).Distinct().Single();

    /// <summary><paramref name="configuration"/> with every webhook receiver's <c>url_file</c> set to <paramref name="urlFile"/>.</summary>
    public static string WithWebhookUrlFile(string configuration, string urlFile)
    {
        var yaml = Load(configuration);
        var configs = WebhookConfigs(yaml);
        if (configs.Count == 0)
        {
            throw new InvalidOperationException("alertmanager.yml has no webhook receiver reading its URL from url_file.");
        }

        foreach (var config in configs)
        {
            config.Children["url_file"] = new YamlScalarNode(urlFile);
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString().TrimEnd('.', '\r', '\n') + "\n";
    }

    private static YamlStream Load(string configuration)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(configuration);
        yaml.Load(reader);
        return yaml;
    }

    private static List<YamlMappingNode> WebhookConfigs(YamlStream yaml)
    {
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return [.. ((YamlSequenceNode)root.Children["receivers"]).Children.Cast<YamlMappingNode>()
            .Where(r => r.Children.ContainsKey("webhook_configs"))
            .SelectMany(r => ((YamlSequenceNode)r.Children["webhook_configs"]).Children.Cast<YamlMappingNode>())];
    }
}
