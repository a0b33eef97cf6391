using PaymentFunctions.RuleGroups;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>The generator's conversions, and what it refuses rather than drop silently.</summary>
public sealed class RuleGroupGeneratorTests : IDisposable
{
    private readonly DirectoryInfo _rules = Directory.CreateTempSubdirectory("rule-groups-");

    [Theory]
    [InlineData("30s", "PT30S")]
    [InlineData("2m", "PT2M")]
    [InlineData("1h30m", "PT1H30M")]
    [InlineData("1d", "P1D")]
    [InlineData("1d2h", "P1DT2H")]
    public void Prometheus_durations_become_ISO_8601(string prometheus, string iso) =>
        Assert.Equal(iso, RuleGroupBicep.ToIso8601(RuleGroupBicep.ParsePrometheusDuration(prometheus)));

    [Theory]
    [InlineData("        keep_firing_for: 5m\n", "keep_firing_for")]
    [InlineData("", "severity 'page'")]
    public void A_rule_Azure_cannot_express_fails_the_generation(string extra, string named)
    {
        var severity = extra.Length == 0 ? "page" : "warning";
        File.WriteAllText(Path.Combine(_rules.FullName, "alerts.yml"), $"""
            groups:
              - name: g
                rules:
                  - alert: A
                    expr: vector(1)
                    for: 1m
            {extra}        labels:
                      severity: {severity}
            """.ReplaceLineEndings("\n"));

        var error = Assert.Throws<InvalidOperationException>(() => RuleGroupBicep.Generate(_rules.FullName));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's ${x} \\d", "'it\\'s \\${x} \\\\d'")]
    [InlineData("a\nb\n", "'''\na\nb\n'''")]
    public void Strings_become_Bicep_literals_of_exactly_that_value(string value, string literal) =>
        Assert.Equal(literal, RuleGroupBicep.Literal(value));

    public void Dispose() => _rules.Delete(recursive: true);
}
