using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// docker-compose.yml and infra/main.bicep run the images deploy/versions.env ships, and every shipped image is on the
/// version line the tests run. The other tests break one file's text at a time to show the check notices.
/// </summary>
public sealed class VersionsTests(CompiledInfrastructure infrastructure) : IClassFixture<CompiledInfrastructure>
{
    private static readonly string VersionsText = File.ReadAllText(ShippedVersions.FilePath);

    private static readonly string ComposeText = File.ReadAllText(Path.Combine(Repository.Root, "docker-compose.yml"));

    [Fact]
    public void Compose_and_the_template_run_the_shipped_images_of_the_tested_lines()
    {
        var problems = ShippedVersions.Parse(VersionsText).Problems(ComposeText, infrastructure.Template);

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Versions_env_names_every_image_and_a_tested_line_for_each_tested_one()
    {
        var versions = ShippedVersions.Parse(VersionsText);

        Assert.All(ShippedVersions.Images, image => Assert.NotNull(versions.Shipped(image)));
        Assert.All(ShippedVersions.Images.Where(i => i.Tested), image => Assert.Matches(@"^\d+\.\d+$", versions.TestedLine(image)));
    }

    [Theory]
    [InlineData("prom/pushgateway:v1.11.2", "prom/pushgateway:v1.11.1", "docker-compose.yml runs prom/pushgateway:v1.11.1")]
    [InlineData("prom/alertmanager:v0.33.1", "prom/alertmanager:v0.33.0", "docker-compose.yml runs prom/alertmanager:v0.33.0")]
    [InlineData("grafana/grafana:12.1.1", "grafana/grafana:12.2.0", "docker-compose.yml runs grafana/grafana:12.2.0")]
    [InlineData("image: prom/prometheus:v3.5.3", "image: quay.io/prometheus/prometheus:v3.5.3", "docker-compose.yml runs no prom/prometheus image")]
    public void Another_image_in_compose_is_reported(string original, string replacement, string expected) =>
        AssertReported(expected, compose: Replace(ComposeText, original, replacement));

    [Fact]
    public void The_docker_io_prefix_in_compose_is_the_same_image() =>
        Assert.Empty(ShippedVersions.Parse(VersionsText).Problems(
            Replace(ComposeText, "image: prom/prometheus:v3.5.3", "image: docker.io/prom/prometheus:v3.5.3"), infrastructure.Template));

    [Theory]
    [InlineData("docker.io/prom/prometheus:v3.5.3", "docker.io/prom/prometheus:v3.5.0", "prometheusImage defaults to docker.io/prom/prometheus:v3.5.0")]
    [InlineData("docker.io/prom/alertmanager:v0.33.1", "docker.io/prom/alertmanager:v0.32.0", "alertmanagerImage defaults to docker.io/prom/alertmanager:v0.32.0")]
    [InlineData("docker.io/grafana/grafana:12.1.1", "docker.io/grafana/grafana:11.6.0", "grafanaImage defaults to docker.io/grafana/grafana:11.6.0")]
    public void Another_image_in_the_template_is_reported(string original, string replacement, string expected)
    {
        var json = infrastructure.Template.GetRawText();
        using var template = JsonDocument.Parse(Replace(json, $"\"{original}\"", $"\"{replacement}\""));
        AssertReported(expected, template: template.RootElement);
    }

    [Theory]
    [InlineData("PUSHGATEWAY_TESTED=1.11", "PUSHGATEWAY_TESTED=1.12", "PUSHGATEWAY_SHIPPED docker.io/prom/pushgateway:v1.11.2 is not a vMAJOR.MINOR.PATCH tag of the tested line")]
    [InlineData("ALERTMANAGER_TESTED=0.33\n", "", "ALERTMANAGER_TESTED=(missing)")]
    [InlineData("PROMETHEUS_SHIPPED=docker.io/prom/prometheus:v3.5.3", "PROMETHEUS_SHIPPED=docker.io/prom/prometheus:latest", "is not a vMAJOR.MINOR.PATCH tag")]
    public void A_shipped_image_off_its_tested_line_is_reported(string original, string replacement, string expected) =>
        AssertReported(expected, versions: Replace(VersionsText, original, replacement));

    private void AssertReported(string expected, string? versions = null, string? compose = null, JsonElement? template = null)
    {
        var problems = ShippedVersions.Parse(versions ?? VersionsText).Problems(compose ?? ComposeText, template ?? infrastructure.Template);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>Replaces text that must be there (a test whose original is gone would prove nothing).</summary>
    private static string Replace(string text, string original, string replacement)
    {
        var source = text.ReplaceLineEndings("\n");
        Assert.Contains(original, source, StringComparison.Ordinal);
        return source.Replace(original, replacement, StringComparison.Ordinal);
    }
}
