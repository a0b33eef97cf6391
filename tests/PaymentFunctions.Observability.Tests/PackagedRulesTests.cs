using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// The push-health rules shipped in the library's package are valid and are the very rules this repository's own
/// Prometheus runs, so what the package gives an adopting app is what the repository's tests prove.
/// </summary>
public sealed class PackagedRulesTests
{
    private const string Packaged = "src/AzureFunctions.PrometheusPush/rules/push-health.yml";

    [Fact]
    public async Task Promtool_accepts_the_packaged_rules()
    {
        var (exitCode, output) = await Repository.RunAsync("promtool", ["check", "rules", Packaged]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS: 13 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_packaged_rule_runs_in_the_repositorys_Prometheus_with_the_same_expression_duration_and_severity()
    {
        var deployed = Directory.GetFiles(Repository.PathOf("deploy/prometheus/rules"), "*.yml")
            .SelectMany(Rules)
            .ToDictionary(r => r.Name, StringComparer.Ordinal);

        var packaged = Rules(Repository.PathOf(Packaged)).ToList();

        Assert.Equal(13, packaged.Count);
        Assert.All(packaged, rule =>
        {
            Assert.True(deployed.TryGetValue(rule.Name, out var twin), $"{rule.Name} is packaged but not in deploy/prometheus/rules");
            Assert.Equal(twin, rule);
        });
    }

    private sealed record Rule(string Name, string Expression, string? For, string? Severity);

    private static IEnumerable<Rule> Rules(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["groups"];
        foreach (var rule in groups.Cast<YamlMappingNode>().SelectMany(g => (YamlSequenceNode)g.Children["rules"]).Cast<YamlMappingNode>())
        {
            var name = Scalar(rule, "record") ?? Scalar(rule, "alert")!;
            var severity = rule.Children.TryGetValue("labels", out var labels) ? Scalar((YamlMappingNode)labels, "severity") : null;
            yield return new Rule(name, string.Join(' ', Scalar(rule, "expr")!.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)), Scalar(rule, "for"), severity);
        }
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;
}
