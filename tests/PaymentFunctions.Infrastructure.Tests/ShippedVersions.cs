using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// One image of deploy/versions.env: the key prefix of its lines, the main.bicep parameter that pins it and the image
/// repository docker-compose.yml runs it from. <see cref="Tested"/> is false for an image no test runs (Grafana).
/// </summary>
public sealed record VersionedImage(string Prefix, string TemplateParameter, string Repository, bool Tested = true);

/// <summary>
/// deploy/versions.env, the one place that says which images PaymentFunctions ships (<c>*_SHIPPED</c>) and which version
/// line its tests run (<c>*_TESTED</c>), and the check that docker-compose.yml and infra/main.bicep run those images.
/// </summary>
public sealed partial class ShippedVersions
{
    public static readonly IReadOnlyList<VersionedImage> Images =
    [
        new("PROMETHEUS", "prometheusImage", "prom/prometheus"),
        new("PUSHGATEWAY", "pushgatewayImage", "prom/pushgateway"),
        new("ALERTMANAGER", "alertmanagerImage", "prom/alertmanager"),
        new("GRAFANA", "grafanaImage", "grafana/grafana", Tested: false),
    ];

    private readonly IReadOnlyDictionary<string, string> _values;

    private ShippedVersions(IReadOnlyDictionary<string, string> values) => _values = values;

    public static string FilePath => Path.Combine(Repository.DeployDirectory, "versions.env");

    /// <summary>Reads <c>KEY=value</c> lines; blank lines and <c>#</c> comments are skipped.</summary>
    public static ShippedVersions Parse(string text) =>
        new(text.ReplaceLineEndings("\n").Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair.Length == 2 ? pair[1].Trim() : "", StringComparer.Ordinal));

    public string? Shipped(VersionedImage image) => _values.GetValueOrDefault($"{image.Prefix}_SHIPPED");

    public string? TestedLine(VersionedImage image) => _values.GetValueOrDefault($"{image.Prefix}_TESTED");

    /// <summary>
    /// Every way compose, the compiled template (its parameter defaults) or versions.env itself disagree: an image that
    /// is not the shipped one, or a shipped tag (vMAJOR.MINOR.PATCH) off its tested line (MAJOR.MINOR).
    /// </summary>
    public IReadOnlyList<string> Problems(string composeYaml, JsonElement compiledMain)
    {
        var problems = new List<string>();
        var composeImages = ComposeImages(composeYaml);
        var parameters = compiledMain.GetProperty("parameters");
        foreach (var image in Images)
        {
            var shipped = Shipped(image);
            if (shipped is null || Normalise(shipped) is not { } expected || !expected.StartsWith(image.Repository + ":", StringComparison.Ordinal))
            {
                problems.Add($"versions.env: {image.Prefix}_SHIPPED is {shipped ?? "missing"}, not an image of {image.Repository}");
                continue;
            }

            if (image.Tested)
            {
                var tag = SemanticTag().Match(expected);
                var line = TestedLine(image);
                if (!tag.Success || line != $"{tag.Groups[1].Value}.{tag.Groups[2].Value}")
                {
                    problems.Add($"versions.env: {image.Prefix}_SHIPPED {shipped} is not a vMAJOR.MINOR.PATCH tag of the tested line {image.Prefix}_TESTED={line ?? "(missing)"}");
                }
            }

            var inCompose = composeImages.Where(i => Normalise(i)?.StartsWith(image.Repository + ":", StringComparison.Ordinal) == true).ToList();
            if (inCompose.Count == 0)
            {
                problems.Add($"docker-compose.yml runs no {image.Repository} image (versions.env ships {shipped})");
            }

            problems.AddRange(inCompose.Where(i => Normalise(i) != expected)
                .Select(i => $"docker-compose.yml runs {i}, versions.env ships {shipped}"));

            var defaultValue = parameters.TryGetProperty(image.TemplateParameter, out var parameter) && parameter.TryGetProperty("defaultValue", out var value)
                ? value.GetString()
                : null;
            if (defaultValue is null || Normalise(defaultValue) != expected)
            {
                problems.Add($"infra/main.bicep: {image.TemplateParameter} defaults to {defaultValue ?? "nothing"}, versions.env ships {shipped}");
            }
        }

        return problems;
    }

    /// <summary>The image without Docker Hub's optional <c>docker.io/</c> prefix; null for an empty reference.</summary>
    public static string? Normalise(string image)
    {
        var trimmed = image.Trim();
        return trimmed.Length == 0 ? null : trimmed.StartsWith("docker.io/", StringComparison.Ordinal) ? trimmed["docker.io/".Length..] : trimmed;
    }

    /// <summary>The <c>image</c> of every service of a compose file.</summary>
    public static IReadOnlyList<string> ComposeImages(string composeYaml)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(composeYaml));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return root.Children.TryGetValue("services", out var services)
            ? ((YamlMappingNode)services).Children.Values.OfType<YamlMappingNode>()
                .Select(service => service.Children.TryGetValue("image", out var image) ? ((YamlScalarNode)image).Value : null)
                .OfType<string>()
                .ToList()
            : [];
    }

    [GeneratedRegex(@":v(\d+)\.(\d+)\.(\d+)$")]
    private static partial Regex SemanticTag();
}
