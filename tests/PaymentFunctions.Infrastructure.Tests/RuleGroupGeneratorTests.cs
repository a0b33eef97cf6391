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

    /// <summary>
    /// Recording groups run in Azure only on the raw path, alert groups on both, the scraper's own alerts on the aggregated
    /// path only and its recording groups never: Azure never records a second copy of what the aggregating scraper writes.
    /// </summary>
    [Fact]
    public void Each_group_is_deployed_on_the_path_where_it_runs()
    {
        File.WriteAllText(Path.Combine(_rules.FullName, "recording.yml"), Group("recorded", "- record: a:b:c\n        expr: vector(1)"));
        File.WriteAllText(Path.Combine(_rules.FullName, "alerts.yml"), Group("alerting", Alert("A")));
        File.WriteAllText(Path.Combine(_rules.FullName, RuleGroupBicep.ScraperRulesFile),
            Group("scraper-recorded", "- record: scraper:b:c\n        expr: vector(1)") + Group("scraper-alerting", Alert("S"))[7..]);

        var bicep = RuleGroupBicep.Generate(_rules.FullName);

        Assert.Contains("resource ruleGroupRecorded 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (recordInWorkspace) {", bicep, StringComparison.Ordinal);
        Assert.Contains("resource ruleGroupAlerting 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = {", bicep, StringComparison.Ordinal);
        Assert.Contains("resource ruleGroupScraperAlerting 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = if (!recordInWorkspace) {", bicep, StringComparison.Ordinal);
        Assert.DoesNotContain("scraper-recorded", bicep, StringComparison.Ordinal);
        Assert.Contains("param recordInWorkspace bool", bicep, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_mixing_alerts_and_recording_rules_fails_the_generation()
    {
        File.WriteAllText(Path.Combine(_rules.FullName, "mixed.yml"), Group("mixed", "- record: a:b:c\n        expr: vector(1)\n      " + Alert("A")));

        var error = Assert.Throws<InvalidOperationException>(() => RuleGroupBicep.Generate(_rules.FullName));
        Assert.Contains("mixes alerts and recording rules", error.Message, StringComparison.Ordinal);
    }

    private static string Group(string name, string rule) =>
        $"groups:\n  - name: {name}\n    rules:\n      {rule}\n".ReplaceLineEndings("\n");

    private static string Alert(string name) =>
        $"- alert: {name}\n        expr: vector(1)\n        for: 1m\n        labels:\n          severity: warning";

    public void Dispose() => _rules.Delete(recursive: true);
}
