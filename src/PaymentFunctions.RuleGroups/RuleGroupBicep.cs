using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.RuleGroups;

/// <summary>
/// Turns Prometheus rule files into one Bicep file of <c>Microsoft.AlertsManagement/prometheusRuleGroups</c> on an Azure
/// Monitor workspace: one resource per rule group, every rule with its expression, <c>for</c>, labels and annotations
/// copied verbatim. Fields Azure cannot express (for example <c>keep_firing_for</c>) fail the generation instead of
/// being dropped. Each group is deployed where <see cref="PlacementOf"/> says: the recording rules run in Azure only on
/// the raw path (<c>recordInWorkspace</c>); on the aggregated path the aggregating scraper records them and Azure gets the
/// alerts alone, never a second copy of a recording rule writing the same series.
/// </summary>
public static partial class RuleGroupBicep
{
    /// <summary>The generated file, relative to the repository root.</summary>
    public const string OutputPath = "infra/app/monitor-rules.generated.bicep";

    /// <summary>The rule files, relative to the repository root.</summary>
    public const string RulesDirectory = "deploy/prometheus/rules";

    /// <summary>The command that regenerates <see cref="OutputPath"/>.</summary>
    public const string Command = "dotnet run --project src/PaymentFunctions.RuleGroups";

    /// <summary>
    /// The aggregating scraper's own health rules: its recording groups read the scraper's own metrics and run only there;
    /// its alert groups judge what arrives from it, on the aggregated path only.
    /// </summary>
    public const string ScraperRulesFile = "scraper.yml";

    /// <summary>The generated file's parameter: true on the raw path, where the workspace records from raw series.</summary>
    public const string RecordInWorkspaceParameter = "recordInWorkspace";

    /// <summary>Azure evaluates a rule group at most once a minute.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    /// <summary>Azure alert severities (0 critical ... 4 verbose) for the rules' <c>severity</c> label.</summary>
    public static readonly IReadOnlyDictionary<string, int> Severities = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["critical"] = 0,
        ["error"] = 1,
        ["warning"] = 2,
        ["info"] = 3,
    };

    private static readonly HashSet<string> RecordingFields = ["record", "expr", "labels"];
    private static readonly HashSet<string> AlertFields = ["alert", "expr", "for", "labels", "annotations"];
    private static readonly HashSet<string> GroupFields = ["name", "rules", "interval"];

    /// <summary>The Bicep for every <c>*.yml</c> in <paramref name="rulesDirectory"/>, files and groups in order.</summary>
    public static string Generate(string rulesDirectory)
    {
        var files = Directory.GetFiles(rulesDirectory, "*.yml").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"No *.yml rule files in {rulesDirectory}.");
        }

        var bicep = new StringBuilder();
        bicep.Append(CultureInfo.InvariantCulture, $"""
            // GENERATED from {RulesDirectory}/*.yml by `{Command}`. Do not edit: change the YAML and run that command.
            // The infrastructure tests fail when this file and the YAML differ.

            metadata description = 'The repository recording and alert rules as Azure Monitor Prometheus rule groups on the workspace, each where it runs (recording rules on the raw path only); alerts go to the action group.'

            @description('Location of the rule groups (the workspace region).')
            param location string

            @description('Tags applied to every resource.')
            param tags object

            @description('Resource ID of the Azure Monitor workspace the rules read from and record into.')
            param workspaceId string

            @description('Resource ID of the action group every alert notifies.')
            param actionGroupId string

            @description('True on the raw path (the Prometheus agent remote-writes raw series): the workspace evaluates the recording rules. False on the aggregated path: the aggregating scraper records them, and only the alerts run here.')
            param {RecordInWorkspaceParameter} bool

            """);
        bicep.Append('\n');

        var symbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }

            var relative = $"{RulesDirectory}/{Path.GetFileName(file)}";
            var root = (YamlMappingNode)yaml.Documents[0].RootNode;
            foreach (var group in ((YamlSequenceNode)root.Children["groups"]).Children.Cast<YamlMappingNode>())
            {
                if (PlacementOf(Path.GetFileName(file), group) is { } placement)
                {
                    WriteGroup(bicep, group, relative, placement, symbols);
                }
            }
        }

        return bicep.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>
    /// Where a rule group of <paramref name="fileName"/> runs in Azure: on both paths, on one of them, or (null) not in
    /// Azure at all. A group mixes no alerts and recording rules: it runs in one place.
    /// </summary>
    public static Placement? PlacementOf(string fileName, YamlMappingNode group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var rules = ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>().ToList();
        var records = rules.Count(r => r.Children.ContainsKey("record"));
        if (records > 0 && records < rules.Count)
        {
            throw new InvalidOperationException($"Group {Scalar(group, "name")} in {fileName} mixes alerts and recording rules: split it, so that each runs where it belongs.");
        }

        var scraper = string.Equals(fileName, ScraperRulesFile, StringComparison.Ordinal);
        return (records > 0, scraper) switch
        {
            (true, true) => null,
            (true, false) => Placement.RawPathOnly,
            (false, true) => Placement.AggregatedPathOnly,
            (false, false) => Placement.Always,
        };
    }

    /// <summary>A Prometheus duration (<c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>1d</c>) as a <see cref="TimeSpan"/>.</summary>
    public static TimeSpan ParsePrometheusDuration(string text)
    {
        var match = PrometheusDuration().Match(text);
        if (!match.Success || text.Length == 0)
        {
            throw new FormatException($"'{text}' is not a Prometheus duration this generator supports (d, h, m, s).");
        }

        static int Part(Match m, string name) => m.Groups[name].Success ? int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        return new TimeSpan(Part(match, "d"), Part(match, "h"), Part(match, "m"), Part(match, "s"));
    }

    /// <summary>A duration as ISO 8601 (<c>PT5M</c>, <c>P1DT2H</c>), as Azure expects it.</summary>
    public static string ToIso8601(TimeSpan value)
    {
        var text = new StringBuilder("P");
        if (value.Days > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{value.Days}D");
        }

        if (value.Hours > 0 || value.Minutes > 0 || value.Seconds > 0 || value.Days == 0)
        {
            text.Append('T');
            if (value.Hours > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{value.Hours}H");
            }

            if (value.Minutes > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{value.Minutes}M");
            }

            if (value.Seconds > 0 || value == TimeSpan.Zero)
            {
                text.Append(CultureInfo.InvariantCulture, $"{value.Seconds}S");
            }
        }

        return text.ToString();
    }

    private static void WriteGroup(StringBuilder bicep, YamlMappingNode group, string file, Placement placement, HashSet<string> symbols)
    {
        var name = Scalar(group, "name") ?? throw new InvalidOperationException($"A group in {file} has no name.");
        Reject(group, GroupFields, $"group {name} in {file}");
        var interval = Scalar(group, "interval") is { } i ? ParsePrometheusDuration(i) : MinimumInterval;
        if (interval < MinimumInterval)
        {
            interval = MinimumInterval;
        }

        var symbol = Symbol(name);
        if (!symbols.Add(symbol))
        {
            throw new InvalidOperationException($"Two rule groups map to the Bicep name {symbol}.");
        }

        var condition = placement switch
        {
            Placement.RawPathOnly => $"if ({RecordInWorkspaceParameter}) ",
            Placement.AggregatedPathOnly => $"if (!{RecordInWorkspaceParameter}) ",
            _ => "",
        };
        bicep.Append(CultureInfo.InvariantCulture, $$"""
            resource {{symbol}} 'Microsoft.AlertsManagement/prometheusRuleGroups@2023-03-01' = {{condition}}{
              name: {{Literal(name)}}
              location: location
              tags: tags
              properties: {
                description: {{Literal($"Generated from {file}, group {name}.")}}
                scopes: [
                  workspaceId
                ]
                enabled: true
                interval: '{{ToIso8601(interval)}}'
                rules: [

            """);
        foreach (var rule in ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>())
        {
            WriteRule(bicep, rule, $"group {name} in {file}");
        }

        bicep.Append("""
                ]
              }
            }


            """);
    }

    private static void WriteRule(StringBuilder bicep, YamlMappingNode rule, string where)
    {
        var alert = Scalar(rule, "alert");
        var record = Scalar(rule, "record");
        var expression = Scalar(rule, "expr") ?? throw new InvalidOperationException($"A rule in {where} has no expr.");
        const string indent = "        ";
        bicep.Append("      {\n");
        if (alert is not null)
        {
            Reject(rule, AlertFields, $"alert {alert} in {where}");
            bicep.Append(CultureInfo.InvariantCulture, $"{indent}alert: {Literal(alert)}\n");
        }
        else
        {
            Reject(rule, RecordingFields, $"recording rule {record} in {where}");
            bicep.Append(CultureInfo.InvariantCulture, $"{indent}record: {Literal(record ?? throw new InvalidOperationException($"A rule in {where} is neither alert nor record."))}\n");
        }

        bicep.Append(CultureInfo.InvariantCulture, $"{indent}expression: {Literal(expression)}\n");
        var labels = Mapping(rule, "labels");
        if (alert is not null)
        {
            var severity = labels.FirstOrDefault(l => l.Key == "severity").Value
                ?? throw new InvalidOperationException($"Alert {alert} in {where} has no severity label.");
            if (!Severities.TryGetValue(severity, out var azureSeverity))
            {
                throw new InvalidOperationException($"Alert {alert} in {where}: severity '{severity}' has no Azure severity; add it to {nameof(RuleGroupBicep)}.{nameof(Severities)}.");
            }

            if (Scalar(rule, "for") is { } duration)
            {
                bicep.Append(CultureInfo.InvariantCulture, $"{indent}for: '{ToIso8601(ParsePrometheusDuration(duration))}'\n");
            }

            bicep.Append(CultureInfo.InvariantCulture, $"{indent}severity: {azureSeverity}\n");
        }

        WriteMap(bicep, indent, "labels", labels);
        if (alert is not null)
        {
            WriteMap(bicep, indent, "annotations", Mapping(rule, "annotations"));
            bicep.Append(CultureInfo.InvariantCulture, $"{indent}actions: [\n{indent}  {{\n{indent}    actionGroupId: actionGroupId\n{indent}  }}\n{indent}]\n");
        }

        bicep.Append(CultureInfo.InvariantCulture, $"{indent}enabled: true\n");
        bicep.Append("      }\n");
    }

    private static void WriteMap(StringBuilder bicep, string indent, string name, List<KeyValuePair<string, string>> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        bicep.Append(CultureInfo.InvariantCulture, $"{indent}{name}: {{\n");
        foreach (var (key, value) in entries)
        {
            var property = Identifier().IsMatch(key) ? key : Literal(key);
            bicep.Append(CultureInfo.InvariantCulture, $"{indent}  {property}: {Literal(value)}\n");
        }

        bicep.Append(CultureInfo.InvariantCulture, $"{indent}}}\n");
    }

    /// <summary>A Bicep string literal of exactly <paramref name="value"/>: a verbatim multi-line string where it can be one.</summary>
    public static string Literal(string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal) && !value.Contains("'''", StringComparison.Ordinal) && !value.EndsWith('\'') && !value.Contains('\r', StringComparison.Ordinal))
        {
            // A newline right after the opening ''' is not part of the value.
            return "'''\n" + value + "'''";
        }

        var escaped = new StringBuilder("'");
        for (var index = 0; index < value.Length; index++)
        {
            var c = value[index];
            escaped.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '$' when index + 1 < value.Length && value[index + 1] == '{' => "\\$",
                _ => c.ToString(),
            });
        }

        return escaped.Append('\'').ToString();
    }

    private static string Symbol(string groupName)
    {
        var words = NonWord().Split(groupName).Where(w => w.Length > 0).ToList();
        var symbol = string.Concat(words.Select((w, i) => i == 0 ? w.ToLowerInvariant() : char.ToUpperInvariant(w[0]) + w[1..]));
        return "ruleGroup" + char.ToUpperInvariant(symbol[0]) + symbol[1..];
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    private static List<KeyValuePair<string, string>> Mapping(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value)
            ? ((YamlMappingNode)value).Children.Select(p => new KeyValuePair<string, string>(((YamlScalarNode)p.Key).Value!, ((YamlScalarNode)p.Value).Value ?? "")).ToList()
            : [];

    private static void Reject(YamlMappingNode node, HashSet<string> allowed, string what)
    {
        var unknown = node.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Where(k => !allowed.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"{what} uses {string.Join(", ", unknown)}, which Azure Monitor rule groups cannot express.");
        }
    }

    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex PrometheusDuration();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"[^A-Za-z0-9]+")]
    private static partial Regex NonWord();
}

/// <summary>Where a rule group runs in Azure.</summary>
public enum Placement
{
    /// <summary>On both paths: the alerts on recorded series.</summary>
    Always,

    /// <summary>Only where the workspace gets raw series (the Prometheus agent): the recording rules.</summary>
    RawPathOnly,

    /// <summary>Only where the aggregating scraper writes: the alerts on its own health.</summary>
    AggregatedPathOnly,
}
