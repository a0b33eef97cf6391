using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>
/// The fixtures run what compose and Bicep ship, or fail saying how to get it: never a silently different binary.
/// </summary>
public sealed class ShippedBinariesTests
{
    [Theory]
    [InlineData("prometheus", "PROMETHEUS")]
    [InlineData("promtool", "PROMETHEUS")]
    [InlineData("prometheus-pushgateway", "PUSHGATEWAY")]
    [InlineData("prometheus-alertmanager", "ALERTMANAGER")]
    [InlineData("amtool", "ALERTMANAGER")]
    public void Every_shipped_binary_is_the_unpacked_one_on_the_line_versions_env_names(string name, string component)
    {
        var path = Tools.Shipped(name);

        Assert.Equal(Path.Combine(Tools.ShippedBinariesDirectory, name), path);
        // Verify again with the line read here: it throws when the binary is on another one.
        Tools.Verify(name, path, Tools.TestedLine(component), []);
    }

    [Fact]
    public void An_older_binary_is_refused_with_what_was_found_and_the_install_command()
    {
        // Debian 12's own Prometheus 2.42, the one a machine without the install step has on PATH.
        var older = Tools.Debian12("prometheus");

        var refused = Assert.Throws<ToolMismatchException>(() => Tools.Verify("prometheus", older, Tools.TestedLine("PROMETHEUS"), []));

        Assert.Equal(
            $"{older} is prometheus 2.42.0, but the tests need prometheus {Tools.TestedLine("PROMETHEUS")}.x (deploy/versions.env). Install it with scripts/install-prerequisites.sh (scripts/test.sh runs it first).",
            refused.Message);
    }

    [Fact]
    public void A_missing_binary_is_refused_with_the_install_command()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-prometheus-{Guid.NewGuid():N}");

        var refused = Assert.Throws<ToolMismatchException>(() => Tools.Verify("prometheus", missing, "3.5", []));

        Assert.Equal(
            $"prometheus 3.5 is not installed: {missing} does not exist. Install it with scripts/install-prerequisites.sh (scripts/test.sh runs it first).",
            refused.Message);
    }

    [Fact]
    public void A_binary_without_a_flag_the_tests_use_is_refused_naming_the_flag()
    {
        // Debian 12's 2.42 on its own line, but without created-timestamp ingestion.
        var older = Tools.Debian12("prometheus");

        var refused = Assert.Throws<ToolMismatchException>(() => Tools.Verify("prometheus", older, "2.42", ["created-timestamp-zero-ingestion"]));

        Assert.Contains("lacks what the tests use: created-timestamp-zero-ingestion", refused.Message, StringComparison.Ordinal);
    }
}
