using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using PaymentFunctions.RuleGroups;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// Checks on the compiled template: the managed metrics backend (Azure Monitor workspace, Prometheus agent,
/// Azure Managed Grafana), least-privilege role assignments everywhere, and the rule groups equal to the rule files.
/// </summary>
public static partial class InfrastructureChecks
{
    public const string LeastPrivilege = "least-privilege";
    public const string ManagedPrometheus = "managed-prometheus";
    public const string RuleGroups = "rule-groups";
    public const string Grafana = "grafana";

    public const string MonitoringDataReader = "b0d8363b-8ddd-447d-831f-62ca05bff136";
    public const string GrafanaAdmin = "22926164-76b3-42b3-bc55-97df8dab3e41";

    /// <summary>The only roles the deployment hands out, each on the only resource types it may be scoped to.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AllowedRoles = new Dictionary<string, string[]>
    {
        [StorageBlobDataOwner] = ["Microsoft.Storage/storageAccounts"],
        [KeyVaultSecretsUser] = ["Microsoft.KeyVault/vaults"],
        [MonitoringMetricsPublisher] = ["Microsoft.Insights/components", "Microsoft.Insights/dataCollectionRules"],
        [MonitoringDataReader] = ["Microsoft.Monitor/accounts"],
        [GrafanaAdmin] = ["Microsoft.Dashboard/grafana"],
    };

    /// <summary>What a rule's <c>severity</c> label becomes as an Azure alert severity (0 critical ... 4 verbose).</summary>
    public static readonly IReadOnlyDictionary<string, int> AzureSeverities = new Dictionary<string, int> { ["critical"] = 0, ["warning"] = 2 };

    private const string PrometheusStream = "Microsoft-PrometheusMetrics";

    private static void CheckLeastPrivilege(ArmTemplate main, List<Finding> findings)
    {
        foreach (var (template, assignment) in main.AllResources("Microsoft.Authorization/roleAssignments"))
        {
            var role = RoleDefinition(template, assignment);
            var allowed = AllowedRoles.Where(r => role.Contains(r.Key, StringComparison.OrdinalIgnoreCase)).ToList();
            if (allowed.Count != 1)
            {
                findings.Add(new(LeastPrivilege, $"role assignment {assignment.Name} in module {template.Name} grants {role}, which is not on the allow-list"));
                continue;
            }

            var scope = assignment.Property("scope")?.GetString() ?? "";
            Expect(findings, LeastPrivilege, allowed[0].Value.Any(type => scope.Contains($"'{type}'", StringComparison.Ordinal)),
                $"role assignment {assignment.Name} in module {template.Name} is scoped to '{(scope.Length == 0 ? "the whole resource group" : scope)}', not to one of {string.Join(", ", allowed[0].Value)}");
        }
    }

    private static void CheckManagedPrometheus(ArmTemplate main, List<Finding> findings)
    {
        var workspaces = main.AllResources("Microsoft.Monitor/accounts").ToList();
        Expect(findings, ManagedPrometheus, workspaces.Count == 1, $"expected one Azure Monitor workspace, found {workspaces.Count}");

        var rules = main.AllResources("Microsoft.Insights/dataCollectionRules").ToList();
        Expect(findings, ManagedPrometheus, rules.Count == 1, $"expected one data collection rule, found {rules.Count}");
        foreach (var (template, rule) in rules)
        {
            var forwarder = rule.Property("properties", "dataSources", "prometheusForwarder")?.GetRawText() ?? "";
            var accounts = rule.Property("properties", "destinations", "monitoringAccounts")?.GetRawText() ?? "";
            var flows = rule.Property("properties", "dataFlows")?.GetRawText() ?? "";
            Expect(findings, ManagedPrometheus, forwarder.Contains(PrometheusStream, StringComparison.Ordinal)
                    && accounts.Contains("Microsoft.Monitor/accounts", StringComparison.Ordinal) && flows.Contains(PrometheusStream, StringComparison.Ordinal),
                $"data collection rule {rule.Name} in module {template.Name} does not forward {PrometheusStream} from prometheusForwarder to the Azure Monitor workspace");
            Expect(findings, ManagedPrometheus, rule.Property("properties", "dataCollectionEndpointId")?.GetString()?.Contains("Microsoft.Insights/dataCollectionEndpoints", StringComparison.Ordinal) == true,
                $"data collection rule {rule.Name} has no data collection endpoint");
        }

        var agents = main.AllResources("Microsoft.App/containerApps").Where(a => IsPrometheusAgent(a.Resource)).ToList();
        Expect(findings, ManagedPrometheus, agents.Count == 1, $"expected one Prometheus agent container app, found {agents.Count}");
        foreach (var (template, agent) in agents)
        {
            CheckAgent(main, template, agent, findings);

            // The agent is the raw path only: by default the aggregating scraper writes, and two writers would double.
            Expect(findings, ManagedPrometheus, ArmConditions.IsDeployed(template, agent, ArmConditions.RawPath) && !ArmConditions.IsDeployed(template, agent, ArmConditions.AggregatedPath),
                $"the Prometheus agent (module {template.Name}) is not deployed on the raw path alone (managedMetricsMode=raw)");
        }

        var mode = main.Template.GetProperty("parameters").TryGetProperty("managedMetricsMode", out var parameter) && parameter.TryGetProperty("defaultValue", out var value)
            ? value.GetString() : null;
        Expect(findings, ManagedPrometheus, mode == "aggregated",
            $"the managed backend's default is {mode ?? "no managedMetricsMode"}, not the aggregating scraper (managedMetricsMode=aggregated): raw per-instance series do not fit the workspace at 1,000 instances");
    }

    private static void CheckAgent(ArmTemplate main, ArmTemplate template, ArmResource agent, List<Finding> findings)
    {
        var args = Args(agent).ToList();
        Expect(findings, ManagedPrometheus, args.Any(a => a.StartsWith("--storage.agent.path=", StringComparison.Ordinal)) && !args.Any(a => a.StartsWith("--storage.tsdb.path", StringComparison.Ordinal)),
            "the Prometheus agent does not keep only a write-ahead log (--storage.agent.path, no TSDB)");
        Expect(findings, ManagedPrometheus, args.Contains(CreatedTimestampZeroIngestion),
            $"the Prometheus agent does not run with {CreatedTimestampZeroIngestion} (a new instance's first counts never reach increase())");

        var config = Variables(template).FirstOrDefault(v => v.Contains("remote_write:", StringComparison.Ordinal)) ?? "";
        CheckRemoteWriter(main, template, agent, config, ManagedPrometheus, "the Prometheus agent", findings);

        // Prometheus > 2.45 for the azuread managed identity client; 3.x for the --agent flag.
        var version = ImageVersion(main, template, agent);
        Expect(findings, ManagedPrometheus, version is { } v && v > new Version(2, 45) && (!Args(agent).Contains("--agent") || v.Major >= 3),
            $"the Prometheus agent image is {version?.ToString() ?? "not a pinned literal version"}: azuread managed identity needs > 2.45, --agent needs 3.x");
    }

    /// <summary>
    /// A Prometheus that remote-writes into the workspace (the agent, the aggregating scraper): it scrapes over https with
    /// honor_labels, writes with the azuread managed identity it runs as and nothing else, that identity alone publishes on
    /// the data collection rule, and the URL is the endpoint's ingestion address with the rule's immutable id.
    /// </summary>
    private static void CheckRemoteWriter(ArmTemplate main, ArmTemplate template, ArmResource app, string config, string rule, string what, List<Finding> findings)
    {
        var remoteWrite = config.Contains("remote_write:", StringComparison.Ordinal) ? config[config.IndexOf("remote_write:", StringComparison.Ordinal)..] : "";
        Expect(findings, rule, config.Contains("honor_labels: true", StringComparison.Ordinal) && config.Contains("scheme: https", StringComparison.Ordinal),
            $"{what} does not scrape with honor_labels: true over https");
        Expect(findings, rule, remoteWrite.Contains("azuread:", StringComparison.Ordinal) && remoteWrite.Contains("managed_identity:", StringComparison.Ordinal)
                && remoteWrite.Contains("client_id:", StringComparison.Ordinal),
            $"the remote_write of {what} does not authenticate with the azuread managed identity");
        foreach (var other in new[] { "basic_auth", "bearer_token", "authorization:", "oauth2", "sigv4", "password", "client_secret", "tls_config" })
        {
            Expect(findings, rule, !remoteWrite.Contains(other, StringComparison.Ordinal),
                $"the remote_write of {what} carries {other}: the workspace must be reached with the managed identity only");
        }

        // The identity it runs as, the client id it authenticates with, and the publisher role: one identity.
        Expect(findings, rule, app.Property("identity", "type")?.GetString() == "UserAssigned", $"{what} has no user-assigned identity");
        var runsAs = app.Property("identity", "userAssignedIdentities")?.EnumerateObject().Select(p => IdentityParameter().Match(p.Name)).FirstOrDefault(m => m.Success);
        var identityOwner = runsAs is null ? null : ResolveParameter(template, runsAs.Groups[1].Value).Template;
        var (clientOwner, clientId) = ResolveParameter(template, "identityClientId");
        Expect(findings, rule, identityOwner is not null && clientOwner == identityOwner
                && clientId.ValueKind == JsonValueKind.String && clientId.GetString()!.EndsWith(".clientId]", StringComparison.Ordinal),
            $"the remote-write client_id of {what} is not the client id of the identity it runs as");
        var publishers = main.AllResources("Microsoft.Authorization/roleAssignments")
            .Where(a => RoleDefinition(a.Template, a.Resource).Contains(MonitoringMetricsPublisher, StringComparison.OrdinalIgnoreCase)
                && (a.Resource.Property("scope")?.GetString() ?? "").Contains("Microsoft.Insights/dataCollectionRules", StringComparison.Ordinal))
            .Select(a => a.Template.Resolve(a.Resource.Property("properties", "principalId")!.Value).Template)
            .ToList();
        Expect(findings, rule, publishers.Count == 1 && publishers[0] == identityOwner,
            $"Monitoring Metrics Publisher on the data collection rule does not go to the identity of {what}");

        var (_, url) = ResolveParameter(template, "remoteWriteUrl");
        var urlText = url.ValueKind == JsonValueKind.String ? url.GetString()! : "";
        Expect(findings, rule, urlText.Contains("metricsIngestion.endpoint", StringComparison.Ordinal) && urlText.Contains("immutableId", StringComparison.Ordinal)
                && !ListFunction().IsMatch(urlText),
            $"the remote-write URL of {what} is not the data collection endpoint's ingestion address with the rule's immutable id (got {urlText})");
    }

    private static void CheckRuleGroups(ArmTemplate main, string rulesDirectory, List<Finding> findings)
    {
        var hint = $" Run `{RuleGroupBicep.Command}` after changing {RuleGroupBicep.RulesDirectory}/*.yml.";
        var deployed = main.AllResources("Microsoft.AlertsManagement/prometheusRuleGroups").ToList();
        var expected = new List<string>();
        foreach (var file in Directory.GetFiles(rulesDirectory, "*.yml").Order(StringComparer.Ordinal))
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }

            foreach (var group in ((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children["groups"]).Children.Cast<YamlMappingNode>())
            {
                var name = Text(group, "name")!;
                var matching = deployed.Where(d => d.Resource.Name == name).ToList();
                var placement = RuleGroupBicep.PlacementOf(Path.GetFileName(file), group);
                if (placement is null)
                {
                    // The scraper's own health rules read its own metrics: they run on the scraper, never in Azure.
                    Expect(findings, RuleGroups, matching.Count == 0, $"group {name} of {Path.GetFileName(file)} runs on the aggregating scraper only, yet is deployed as a rule group.{hint}");
                    continue;
                }

                expected.Add(name);
                if (matching.Count != 1)
                {
                    findings.Add(new(RuleGroups, $"group {name} of {Path.GetFileName(file)} is deployed as {matching.Count} rule groups, not one.{hint}"));
                    continue;
                }

                var (template, resource) = matching[0];
                var onAggregated = ArmConditions.IsDeployed(template, resource, ArmConditions.AggregatedPath);
                var onRaw = ArmConditions.IsDeployed(template, resource, ArmConditions.RawPath);
                var (wantAggregated, wantRaw) = placement switch
                {
                    Placement.RawPathOnly => (false, true),
                    Placement.AggregatedPathOnly => (true, false),
                    _ => (true, true),
                };
                Expect(findings, RuleGroups, onAggregated == wantAggregated && onRaw == wantRaw,
                    $"rule group {name} is deployed on the aggregated path: {onAggregated}, on the raw path: {onRaw}; it belongs {placement} (a recording rule in Azure beside the aggregating scraper would write its series twice).{hint}");
                var scopes = Array(resource.Property("properties", "scopes"));
                Expect(findings, RuleGroups, scopes.Count == 1 && template.Resolve(scopes[0]).Value.GetString()?.Contains("Microsoft.Monitor/accounts", StringComparison.Ordinal) == true,
                    $"rule group {name} is not scoped to the Azure Monitor workspace");
                CompareRules(template, name, ((YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlMappingNode>().ToList(),
                    Array(resource.Property("properties", "rules")), hint, findings);
            }
        }

        foreach (var extra in deployed.Select(d => d.Resource.Name).Except(expected))
        {
            findings.Add(new(RuleGroups, $"rule group {extra} is deployed but is in no rule file.{hint}"));
        }

        // On the aggregated path Azure records nothing: the aggregating scraper records every series, once.
        foreach (var (template, group) in deployed.Where(d => ArmConditions.IsDeployed(d.Template, d.Resource, ArmConditions.AggregatedPath)))
        {
            Expect(findings, RuleGroups, !Array(group.Property("properties", "rules")).Any(r => r.TryGetProperty("record", out _)),
                $"rule group {group.Name} records series on the aggregated path, where the aggregating scraper records them (module {template.Name}).{hint}");
        }

        var actionGroups = main.AllResources("Microsoft.Insights/actionGroups").ToList();
        Expect(findings, RuleGroups, actionGroups.Count == 1 && actionGroups.All(a => a.Resource.Property("properties", "emailReceivers")?.GetRawText()
                .Contains("parameters('alertEmailAddress')", StringComparison.Ordinal) == true),
            "expected one action group whose e-mail receiver is the alertEmailAddress parameter");
    }

    private static void CompareRules(ArmTemplate template, string group, List<YamlMappingNode> yaml, List<JsonElement> deployed, string hint, List<Finding> findings)
    {
        if (yaml.Count != deployed.Count)
        {
            findings.Add(new(RuleGroups, $"rule group {group}: {yaml.Count} rules in the YAML, {deployed.Count} deployed.{hint}"));
            return;
        }

        for (var index = 0; index < yaml.Count; index++)
        {
            var source = yaml[index];
            var rule = deployed[index];
            var alert = Text(source, "alert");
            var name = alert ?? Text(source, "record");
            var label = $"rule group {group}, rule {index + 1} ({name})";
            void Same(string what, object? fromYaml, object? fromBicep) =>
                Expect(findings, RuleGroups, Equals(fromYaml, fromBicep), $"{label}: {what} differs: YAML {Show(fromYaml)}, deployed {Show(fromBicep)}.{hint}");

            Same("alert", alert, Json(rule, "alert"));
            Same("record", Text(source, "record"), Json(rule, "record"));
            Same("expression", Text(source, "expr"), Json(rule, "expression"));
            Same("for", Text(source, "for") is { } f ? PrometheusDuration(f) : null, Json(rule, "for") is { } iso ? XmlConvert.ToTimeSpan(iso) : null);
            Same("labels", Show(Map(source, "labels")), Show(Map(rule, "labels")));
            Same("annotations", Show(Map(source, "annotations")), Show(Map(rule, "annotations")));
            Expect(findings, RuleGroups, !rule.TryGetProperty("enabled", out var enabled) || enabled.ValueKind == JsonValueKind.True, $"{label} is disabled");
            if (alert is null)
            {
                continue;
            }

            var severity = Map(source, "labels").GetValueOrDefault("severity");
            Same("severity", severity is not null && AzureSeverities.TryGetValue(severity, out var s) ? s : null,
                rule.TryGetProperty("severity", out var sev) && sev.ValueKind == JsonValueKind.Number ? sev.GetInt32() : (int?)null);
            var actions = rule.TryGetProperty("actions", out var a) ? Array(a) : [];
            Expect(findings, RuleGroups, actions.Count > 0 && actions.All(action => template.Resolve(action.GetProperty("actionGroupId")).Value.GetString()?
                    .Contains("Microsoft.Insights/actionGroups", StringComparison.Ordinal) == true),
                $"{label} does not notify the action group");
        }
    }

    private static void CheckGrafana(ArmTemplate main, List<Finding> findings)
    {
        var grafanas = main.AllResources("Microsoft.Dashboard/grafana").ToList();
        Expect(findings, Grafana, grafanas.Count == 1, $"expected one Azure Managed Grafana, found {grafanas.Count}");
        foreach (var (template, grafana) in grafanas)
        {
            ExpectLiteral(findings, Grafana, grafana.Property("properties", "apiKey"), "Disabled", "Grafana apiKey (API keys and service-account tokens)");
            ExpectLiteral(findings, Grafana, grafana.Property("properties", "grafanaConfigurations", "snapshots", "externalEnabled"), false,
                "Grafana grafanaConfigurations.snapshots.externalEnabled (public snapshots)");
            ExpectLiteral(findings, Grafana, grafana.Property("identity", "type"), "SystemAssigned", "Grafana identity.type");
            var integrations = grafana.Property("properties", "grafanaIntegrations", "azureMonitorWorkspaceIntegrations")?.GetRawText() ?? "";
            Expect(findings, Grafana, integrations.Contains("Microsoft.Monitor/accounts", StringComparison.Ordinal), "Grafana does not have the Azure Monitor workspace as a data source");
        }

        // The self-hosted Grafana: no anonymous access, no sign-up.
        foreach (var (template, app) in main.AllResources("Microsoft.App/containerApps"))
        {
            var env = Array(app.Property("properties", "template", "containers"))
                .SelectMany(c => Array(c.TryGetProperty("env", out var e) ? e : null))
                .Where(e => e.TryGetProperty("value", out _))
                .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString());
            if (!env.Keys.Any(k => k.StartsWith("GF_", StringComparison.Ordinal)))
            {
                continue;
            }

            Expect(findings, Grafana, env.GetValueOrDefault("GF_AUTH_ANONYMOUS_ENABLED") == "false" && env.GetValueOrDefault("GF_USERS_ALLOW_SIGN_UP") == "false",
                $"the Grafana container app in module {template.Name} does not set GF_AUTH_ANONYMOUS_ENABLED and GF_USERS_ALLOW_SIGN_UP to the literal false");
        }

        var readers = main.AllResources("Microsoft.Authorization/roleAssignments")
            .Where(a => RoleDefinition(a.Template, a.Resource).Contains(MonitoringDataReader, StringComparison.OrdinalIgnoreCase)).ToList();
        Expect(findings, Grafana, readers.Count == 1, $"expected one Monitoring Data Reader assignment (Grafana on the workspace), found {readers.Count}");
        foreach (var (template, reader) in readers)
        {
            var principal = template.Resolve(reader.Property("properties", "principalId")!.Value).Value.GetString() ?? "";
            Expect(findings, Grafana, principal.Contains("'Microsoft.Dashboard/grafana'", StringComparison.Ordinal) && principal.EndsWith(".identity.principalId]", StringComparison.Ordinal),
                $"Monitoring Data Reader does not go to Grafana's own identity (principalId {principal})");
            ExpectLiteral(findings, Grafana, reader.Property("properties", "principalType"), "ServicePrincipal", "Monitoring Data Reader principalType");
        }
    }

    private static bool IsPrometheusAgent(ArmResource app) => Args(app).Any(a => a is "--agent" or "--enable-feature=agent");

    private static IEnumerable<string> Variables(ArmTemplate template) =>
        template.Template.TryGetProperty("variables", out var variables)
            ? variables.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.String).Select(v => v.Value.GetString()!)
            : [];

    private static (ArmTemplate Template, JsonElement Value) ResolveParameter(ArmTemplate template, string name)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize($"[parameters('{name}')]"));
        var (owner, value) = template.Resolve(document.RootElement);
        return (owner, value.Clone());
    }

    /// <summary>The version of the agent's image: a literal, or a main parameter's default such as <c>...:v3.5.0</c>.</summary>
    private static Version? ImageVersion(ArmTemplate main, ArmTemplate template, ArmResource agent)
    {
        var image = Array(agent.Property("properties", "template", "containers")).Select(c => c.GetProperty("image")).FirstOrDefault();
        if (image.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var (owner, value) = template.Resolve(image);
        var text = value.GetString() ?? "";
        if (owner == main && ParameterOnly().Match(text) is { Success: true } parameter
            && main.Template.GetProperty("parameters").GetProperty(parameter.Groups[1].Value).TryGetProperty("defaultValue", out var defaultValue))
        {
            text = defaultValue.GetString() ?? "";
        }

        var match = ImageTag().Match(text);
        return match.Success ? new Version(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)) : null;
    }

    private static TimeSpan PrometheusDuration(string text)
    {
        var match = DurationPattern().Match(text);
        return match.Success
            ? TimeSpan.FromSeconds(new[] { ("d", 86400), ("h", 3600), ("m", 60), ("s", 1) }
                .Sum(unit => match.Groups[unit.Item1].Success ? int.Parse(match.Groups[unit.Item1].Value, CultureInfo.InvariantCulture) * unit.Item2 : 0))
            : throw new FormatException($"unsupported duration {text}");
    }

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    private static string? Json(JsonElement rule, string key) =>
        rule.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static SortedDictionary<string, string> Map(YamlMappingNode node, string key) =>
        new(node.Children.TryGetValue(key, out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? "")
            : [], StringComparer.Ordinal);

    private static SortedDictionary<string, string> Map(JsonElement rule, string key) =>
        new(rule.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Object
            ? value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
            : [], StringComparer.Ordinal);

    private static string Show(object? value) => value switch
    {
        null => "(none)",
        SortedDictionary<string, string> map => JsonSerializer.Serialize(map),
        _ => JsonSerializer.Serialize(value.ToString()),
    };

    [GeneratedRegex(@":v?(\d+)\.(\d+)(\.\d+)?$")]
    private static partial Regex ImageTag();

    [GeneratedRegex(@"^(?:(?<d>\d+)d)?(?:(?<h>\d+)h)?(?:(?<m>\d+)m)?(?:(?<s>\d+)s)?$")]
    private static partial Regex DurationPattern();
}
