using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Fleet;

/// <summary>One comparison: the PromQL, the value the fleet recorded, and Prometheus' answer (null: no data).</summary>
public sealed record FleetCheck(string Scope, string Name, string PromQl, double Truth, double? Observed)
{
    /// <summary>(observed - true) / true; null without an answer; 0 when both are 0.</summary>
    public double? RelativeError => Observed switch
    {
        null => null,
        { } o when Truth == 0 => o == 0 ? 0 : double.PositiveInfinity,
        { } o => (o - Truth) / Truth,
    };

    public bool IsWithin(double tolerance) => RelativeError is { } e && Math.Abs(e) <= tolerance;
}

/// <summary>Every check of one fleet, evaluated at one timestamp.</summary>
public sealed record FleetReport(double EvaluationTime, string Window, IReadOnlyList<FleetCheck> Checks)
{
    public const string All = "all";

    public static string ScopeOf(LifetimeClass lifetimeClass) => lifetimeClass switch
    {
        LifetimeClass.BelowOneInterval => "< 1 interval",
        LifetimeClass.OneToTwoIntervals => "1-2 intervals",
        _ => ">= 2 intervals",
    };

    public FleetCheck Get(string scope, string name) =>
        Checks.Single(c => c.Scope == scope && c.Name == name);

    public IEnumerable<FleetCheck> InScope(string scope) => Checks.Where(c => c.Scope == scope);

    /// <summary>A plain-text table: scope, check, true value, Prometheus' answer, relative error.</summary>
    public string Format(bool withQueries = false)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Evaluated at {EvaluationTime:F3} (the last scrape of the gateway), window {Window}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"scope",-16} {"check",-34} {"true",14} {"Prometheus",14} {"error",9}");
        foreach (var check in Checks)
        {
            var observed = check.Observed is { } o ? o.ToString("G6", CultureInfo.InvariantCulture) : "no data";
            var error = check.RelativeError is { } e ? (double.IsInfinity(e) ? "inf" : e.ToString("+0.00%;-0.00%;0.00%", CultureInfo.InvariantCulture)) : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"{check.Scope,-16} {check.Name,-34} {check.Truth.ToString("G6", CultureInfo.InvariantCulture),14} {observed,14} {error,9}");
            if (withQueries)
            {
                text.AppendLine("    " + check.PromQl.ReplaceLineEndings(" "));
            }
        }

        return text.ToString();
    }
}

/// <summary>A recording rule of the repository: its record name and expression.</summary>
public sealed record RecordingRule(string Record, string Expr)
{
    public const string SuccessRatio = "job:payment_success_ratio:rate5m";
    public const string MeanLatency = "gateway:payment_duration_seconds:mean5m";
    public const string ErrorRate = "job_severity:errors:rate5m";
    public const string HighValueRatio = "job:payment_high_value_ratio:rate5m";
    public const string PaymentRate = "job_status:payment_requests:rate5m";

    /// <summary>The dashboard's payment panels read these recorded series.</summary>
    public static readonly string[] PaymentPanels = [SuccessRatio, MeanLatency, ErrorRate, HighValueRatio, PaymentRate];

    /// <summary>The payment panels' rules from a rule file (deploy/prometheus/rules/recording.yml).</summary>
    public static IReadOnlyList<RecordingRule> LoadPaymentPanels(string ruleFile)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(ruleFile))
        {
            yaml.Load(reader);
        }

        var rules = new List<RecordingRule>();
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["groups"];
        foreach (var group in groups.Children.Cast<YamlMappingNode>())
        {
            foreach (var rule in ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>())
            {
                if (rule.Children.TryGetValue("record", out var record) && PaymentPanels.Contains(((YamlScalarNode)record).Value, StringComparer.Ordinal))
                {
                    rules.Add(new RecordingRule(((YamlScalarNode)record).Value!, ((YamlScalarNode)rule.Children["expr"]).Value!));
                }
            }
        }

        var missing = PaymentPanels.Except(rules.Select(r => r.Record), StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{ruleFile} has no rule {string.Join(", ", missing)}.");
        }

        return rules;
    }
}

/// <summary>
/// Compares what Prometheus answers for a fleet with what the fleet recorded. Everything is evaluated at the timestamp of
/// the gateway's last scrape, so <c>increase()</c> and <c>rate()</c> extrapolate nothing past the window's end; the
/// window covers the whole run. Per lifetime class through <c>sum by (instance)</c> and the plan's instance ids.
/// The payment panels are checked by running their recording rules' expressions (from the rule file) at that timestamp,
/// restricted to the scope's instances, not by reading the recorded series (recorded at rule-evaluation times, between
/// scrapes, so extrapolated).
/// </summary>
public static partial class FleetComparison
{
    private static readonly (string Name, string Metric, Func<FleetTotals, double> Truth)[] Counts =
    [
        ("payments", "payment_requests_total", t => t.Payments),
        ("payment duration count", "payment_duration_seconds_count", t => t.DurationCount),
        ("errors", "errors_total", t => t.HighSeverityErrors + t.MediumSeverityErrors),
        ("invocations", "function_invocations_total", t => t.InvocationsSucceeded + t.InvocationsFailed),
    ];

    /// <summary>
    /// Polls until Prometheus' latest scrapes of the gateway (of every shard) hold every instance's final values (each
    /// instance's raw payment counter, summed over its series, equals what it recorded); returns the latest scrape's timestamp.
    /// </summary>
    public static async Task<double> WaitForFinalScrapesAsync(PrometheusQueryClient prometheus, FleetResult fleet, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prometheus);
        ArgumentNullException.ThrowIfNull(fleet);
        var job = fleet.Settings.Job;
        var stopwatch = Stopwatch.StartNew();
        var last = "nothing scraped yet";
        while (true)
        {
            if (await prometheus.ScalarAsync("max(timestamp(up{job=\"pushgateway\"}))", cancellationToken: cancellationToken).ConfigureAwait(false) is { } scrape)
            {
                var raw = (await prometheus.QueryAsync($"sum by (instance) (payment_requests_total{{job=\"{job}\"}})", scrape, cancellationToken).ConfigureAwait(false))
                    .ToDictionary(s => s.Label("instance"), s => s.Value, StringComparer.Ordinal);
                var behind = fleet.Instances.Where(i => raw.GetValueOrDefault(i.Id, -1) != i.Payments).ToList();
                if (behind.Count == 0)
                {
                    return scrape;
                }

                last = $"at {scrape:F3}, {behind.Count} instances not final yet, e.g. {behind[0].Id}: {raw.GetValueOrDefault(behind[0].Id, double.NaN)} of {behind[0].Payments} payments";
            }

            if (stopwatch.Elapsed > deadline)
            {
                throw new TimeoutException($"Prometheus did not scrape every final push within {deadline} ({last}).");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs every check at <paramref name="time"/> over <paramref name="window"/> (a PromQL duration covering the run).</summary>
    public static async Task<FleetReport> CompareAsync(
        PrometheusQueryClient prometheus, FleetResult fleet, IReadOnlyList<RecordingRule> panelRules, double time, string window = "10m", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prometheus);
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(panelRules);
        var job = fleet.Settings.Job;
        var checks = new List<FleetCheck>();
        var totals = fleet.Totals;

        // Whole fleet, the queries an operator would type.
        foreach (var (name, metric, truth) in Counts)
        {
            var query = $"sum(increase({metric}{{job=\"{job}\"}}[{window}]))";
            checks.Add(new FleetCheck(FleetReport.All, name, query, truth(totals), await prometheus.ScalarAsync(query, time, cancellationToken).ConfigureAwait(false)));
        }

        var byStatus = $"sum by (status) (increase(payment_requests_total{{job=\"{job}\"}}[{window}]))";
        var statuses = await prometheus.QueryAsync(byStatus, time, cancellationToken).ConfigureAwait(false);
        checks.Add(new FleetCheck(FleetReport.All, "payments status=success", byStatus, totals.Succeeded, Pick(statuses, "status", "success")));
        checks.Add(new FleetCheck(FleetReport.All, "payments status=failed", byStatus, totals.Failed, Pick(statuses, "status", "failed")));
        var bySeverity = $"sum by (severity) (increase(errors_total{{job=\"{job}\"}}[{window}]))";
        var severities = await prometheus.QueryAsync(bySeverity, time, cancellationToken).ConfigureAwait(false);
        checks.Add(new FleetCheck(FleetReport.All, "errors severity=high", bySeverity, totals.HighSeverityErrors, Pick(severities, "severity", "high")));
        checks.Add(new FleetCheck(FleetReport.All, "errors severity=medium", bySeverity, totals.MediumSeverityErrors, Pick(severities, "severity", "medium")));
        checks.AddRange(await PanelChecksAsync(prometheus, FleetReport.All, $"job=\"{job}\"", totals, panelRules, time, cancellationToken).ConfigureAwait(false));

        // Per lifetime class: one query per count, by instance, summed here over the class's planned ids.
        var perInstance = new Dictionary<string, IReadOnlyList<PromSeries>>(StringComparer.Ordinal);
        foreach (var (name, metric, _) in Counts)
        {
            perInstance[name] = await prometheus.QueryAsync($"sum by (instance) (increase({metric}{{job=\"{job}\"}}[{window}]))", time, cancellationToken).ConfigureAwait(false);
        }

        foreach (var lifetimeClass in Enum.GetValues<LifetimeClass>())
        {
            var scope = FleetReport.ScopeOf(lifetimeClass);
            var ids = fleet.InClass(lifetimeClass).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            if (ids.Count == 0)
            {
                continue;
            }

            var classTotals = fleet.TotalsOf(lifetimeClass);
            foreach (var (name, metric, truth) in Counts)
            {
                var matching = perInstance[name].Where(s => ids.Contains(s.Label("instance"))).ToList();
                checks.Add(new FleetCheck(scope, name, $"sum by (instance) (increase({metric}{{job=\"{job}\"}}[{window}])), summed over the class's {ids.Count} instances",
                    truth(classTotals), matching.Count == 0 ? null : matching.Sum(s => s.Value)));
            }

            var selector = $"job=\"{job}\",instance=~\"{string.Join('|', ids.Order(StringComparer.Ordinal).Select(Regex.Escape))}\"";
            checks.AddRange(await PanelChecksAsync(prometheus, scope, selector, classTotals, panelRules, time, cancellationToken).ConfigureAwait(false));
        }

        return new FleetReport(time, window, checks);
    }

    /// <summary>The payment panels: each rule's expression with <paramref name="matchers"/> added to every range selector.</summary>
    private static async Task<List<FleetCheck>> PanelChecksAsync(
        PrometheusQueryClient prometheus, string scope, string matchers, FleetTotals truth, IReadOnlyList<RecordingRule> rules, double time, CancellationToken cancellationToken)
    {
        var checks = new List<FleetCheck>();
        foreach (var rule in rules)
        {
            var expr = Restrict(rule.Expr, matchers);
            var result = await prometheus.QueryAsync(expr, time, cancellationToken).ConfigureAwait(false);
            var panel = $"panel {rule.Record}";
            switch (rule.Record)
            {
                case RecordingRule.SuccessRatio:
                    checks.Add(new FleetCheck(scope, panel, expr, Ratio(truth.Succeeded, truth.Payments), Only(result)));
                    break;
                case RecordingRule.MeanLatency:
                    checks.Add(new FleetCheck(scope, panel, expr, truth.DurationCount == 0 ? double.NaN : truth.DurationSum / truth.DurationCount, Only(result)));
                    break;
                case RecordingRule.HighValueRatio:
                    checks.Add(new FleetCheck(scope, panel, expr, Ratio(truth.AboveThousandUsd, truth.Payments), Only(result)));
                    break;
                case RecordingRule.ErrorRate:
                    var seconds = RangeSeconds(rule.Expr);
                    checks.Add(new FleetCheck(scope, panel + " severity=high", expr, truth.HighSeverityErrors / seconds, Pick(result, "severity", "high")));
                    checks.Add(new FleetCheck(scope, panel + " severity=medium", expr, truth.MediumSeverityErrors / seconds, Pick(result, "severity", "medium")));
                    break;
                case RecordingRule.PaymentRate:
                    var window = RangeSeconds(rule.Expr);
                    checks.Add(new FleetCheck(scope, panel + " status=success", expr, truth.Succeeded / window, Pick(result, "status", "success")));
                    checks.Add(new FleetCheck(scope, panel + " status=failed", expr, truth.Failed / window, Pick(result, "status", "failed")));
                    break;
                default:
                    throw new InvalidOperationException($"No truth is known for {rule.Record}.");
            }
        }

        return checks;
    }

    /// <summary>Adds label matchers to every range selector (<c>name[5m]</c> or <c>name{...}[5m]</c>) of an expression.</summary>
    public static string Restrict(string expr, string matchers)
    {
        ArgumentNullException.ThrowIfNull(expr);
        return RangeSelector().Replace(expr, m =>
        {
            var existing = m.Groups["matchers"].Value;
            var all = existing.Length == 0 ? matchers : existing + "," + matchers;
            return $"{m.Groups["name"].Value}{{{all}}}{m.Groups["range"].Value}";
        });
    }

    private static double RangeSeconds(string expr)
    {
        var match = RangeSelector().Match(expr);
        var range = match.Groups["range"].Value.Trim('[', ']');
        var number = double.Parse(range[..^1], CultureInfo.InvariantCulture);
        return range[^1] switch
        {
            's' => number,
            'm' => number * 60,
            'h' => number * 3600,
            _ => throw new InvalidOperationException($"Unexpected range {range} in {expr}."),
        };
    }

    private static double Ratio(int part, int whole) => whole == 0 ? double.NaN : (double)part / whole;

    private static double? Only(IReadOnlyList<PromSeries> result) => result.Count == 1 ? result[0].Value : null;

    private static double? Pick(IReadOnlyList<PromSeries> result, string label, string value)
    {
        var matches = result.Where(s => s.Label(label) == value).ToList();
        return matches.Count == 1 ? matches[0].Value : null;
    }

    [GeneratedRegex(@"(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(\{(?<matchers>[^}]*)\})?(?<range>\[\d+[smh]\])")]
    private static partial Regex RangeSelector();
}
