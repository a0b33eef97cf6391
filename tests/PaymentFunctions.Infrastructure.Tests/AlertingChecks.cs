using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// Checks on the compiled template: every backend pages someone. The managed backend's action group posts to the
/// <c>alertWebhookUrl</c> parameter; the self-hosted backend runs one internal Alertmanager with the repository's
/// alertmanager.yml and that URL, and its Prometheus sends the alerts there. The URL stays a secret everywhere the
/// template can keep it one.
/// </summary>
public static partial class InfrastructureChecks
{
    public const string Alerting = "alerting";

    /// <summary>The main parameter every alert goes to, in both backends.</summary>
    public const string AlertWebhookParameter = "alertWebhookUrl";

    /// <summary>The environment variable the Alertmanager start command writes to the configuration's url_file (as in compose).</summary>
    public const string AlertWebhookVariable = "ALERT_WEBHOOK_URL";

    /// <summary>Where the Alertmanager configuration is mounted and read from.</summary>
    public const string AlertmanagerConfigFile = "/etc/alertmanager/alertmanager.yml";

    public const int AlertmanagerPort = 9093;

    /// <summary>An empty cluster listen address turns Alertmanager's clustering off (followed by a space in <see cref="StartCommand"/>).</summary>
    private const string ClusteringOff = "--cluster.listen-address= ";

    private static void CheckAlerting(ArmTemplate main, string alertmanagerConfigFile, List<Finding> findings)
    {
        // Managed: the action group the rule groups notify posts to the webhook, in the common alert schema.
        foreach (var (template, group) in main.AllResources("Microsoft.Insights/actionGroups"))
        {
            var receivers = Array(group.Property("properties", "webhookReceivers"));
            Expect(findings, Alerting, receivers.Count == 1 && receivers.All(r => r.TryGetProperty("serviceUri", out var uri) && IsMainParameter(main, template, uri, AlertWebhookParameter)),
                $"the action group {group.Name} does not have one webhook receiver whose serviceUri is the main parameter {AlertWebhookParameter}");
            Expect(findings, Alerting, receivers.All(r => r.TryGetProperty("useCommonAlertSchema", out var schema) && schema.ValueKind == JsonValueKind.True),
                $"the action group {group.Name} posts to the webhook without the common alert schema");
        }

        var alertmanagers = main.AllResources("Microsoft.App/containerApps").Where(a => IsAlertmanager(a.Resource)).ToList();
        Expect(findings, Alerting, alertmanagers.Count == 1, $"expected one Alertmanager container app, found {alertmanagers.Count}");
        foreach (var (template, app) in alertmanagers)
        {
            CheckAlertmanager(main, template, app, File.ReadAllText(alertmanagerConfigFile), findings);
        }

        // Self-hosted: Prometheus sends its alerts to that Alertmanager.
        foreach (var (template, app) in main.AllResources("Microsoft.App/containerApps")
            .Where(a => Args(a.Resource).Any(arg => arg.Contains("--storage.tsdb.path=", StringComparison.Ordinal)) && !IsAggregatingScraper(a.Template, a.Resource)))
        {
            CheckPrometheusAlerting(template, app, findings);
        }
    }

    private static void CheckAlertmanager(ArmTemplate main, ArmTemplate template, ArmResource app, string repositoryConfig, List<Finding> findings)
    {
        var secrets = Array(app.Property("properties", "configuration", "secrets"))
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.TryGetProperty("value", out var v) ? v : default, StringComparer.Ordinal);
        var start = StartCommand(app);
        var container = Array(app.Property("properties", "template", "containers")).FirstOrDefault();

        // The repository's alertmanager.yml, unchanged, in a secret volume mounted where --config.file reads it.
        var mountPath = Path.GetDirectoryName(AlertmanagerConfigFile)!;
        var mounted = Array(container.ValueKind == JsonValueKind.Object && container.TryGetProperty("volumeMounts", out var m) ? m : null)
            .Where(v => v.TryGetProperty("mountPath", out var p) && p.GetString() == mountPath)
            .Select(v => v.GetProperty("volumeName").GetString())
            .ToHashSet(StringComparer.Ordinal);
        var configSecrets = Array(app.Property("properties", "template", "volumes"))
            .Where(v => mounted.Contains(v.GetProperty("name").GetString()) && v.TryGetProperty("storageType", out var t) && t.GetString() == "Secret")
            .SelectMany(v => Array(v.TryGetProperty("secrets", out var s) ? s : null))
            .Where(s => s.TryGetProperty("path", out var p) && p.GetString() == Path.GetFileName(AlertmanagerConfigFile))
            .Select(s => s.GetProperty("secretRef").GetString()!)
            .ToList();
        Expect(findings, Alerting, configSecrets.Count == 1 && secrets.TryGetValue(configSecrets[0], out var config)
                && VariableLiteral(template, config) == repositoryConfig && start.Contains($"--config.file={AlertmanagerConfigFile} ", StringComparison.Ordinal),
            $"the Alertmanager in module {template.Name} does not run deploy/alertmanager/alertmanager.yml as it is, mounted from a secret volume at {AlertmanagerConfigFile}");

        // The webhook: a container app secret holding alertWebhookUrl, reaching the container only through secretRef,
        // written by the start command to every url_file the configuration reads.
        var webhookEnv = Array(container.ValueKind == JsonValueKind.Object && container.TryGetProperty("env", out var e) ? e : null)
            .Where(v => v.TryGetProperty("name", out var n) && n.GetString() == AlertWebhookVariable)
            .ToList();
        var urlFiles = UrlFiles(repositoryConfig);
        Expect(findings, Alerting, webhookEnv.Count == 1 && !webhookEnv[0].TryGetProperty("value", out _)
                && webhookEnv[0].TryGetProperty("secretRef", out var secretRef) && secrets.TryGetValue(secretRef.GetString()!, out var webhook)
                && IsMainParameter(main, template, webhook, AlertWebhookParameter)
                && urlFiles.Count > 0 && urlFiles.All(file => start.Contains($"\"${AlertWebhookVariable}\" > {file} ", StringComparison.Ordinal)),
            $"the Alertmanager in module {template.Name} does not get {AlertWebhookVariable} by secretRef from a secret holding the main parameter {AlertWebhookParameter}, "
            + $"written to the url_file of alertmanager.yml ({string.Join(", ", urlFiles)}) at start");

        // Reached only from inside the environment, and exactly one of it: no clustering, one replica.
        ExpectLiteral(findings, Alerting, app.Property("properties", "configuration", "ingress", "external"), false, $"the Alertmanager's ingress.external in module {template.Name}");
        Expect(findings, Alerting, app.Property("properties", "configuration", "ingress", "targetPort") is { ValueKind: JsonValueKind.Number } port && port.GetInt32() == AlertmanagerPort,
            $"the Alertmanager's ingress does not target its port {AlertmanagerPort}");
        Expect(findings, Alerting, app.Property("properties", "template", "scale", "minReplicas") is { ValueKind: JsonValueKind.Number } min && min.GetInt32() == 1
                && app.Property("properties", "template", "scale", "maxReplicas") is { ValueKind: JsonValueKind.Number } max && max.GetInt32() == 1
                && start.Contains(ClusteringOff, StringComparison.Ordinal),
            $"the Alertmanager in module {template.Name} is not exactly one replica with clustering off (--cluster.listen-address=)");
    }

    private static void CheckPrometheusAlerting(ArmTemplate template, ArmResource app, List<Finding> findings)
    {
        // The config names the alertmanager address as a format argument; that argument is the alertmanagerAddress
        // parameter, which main takes from the Alertmanager module: its app name on the environment's HTTP port.
        var variables = template.Template.TryGetProperty("variables", out var v) ? v.EnumerateObject().ToList() : [];
        var config = variables.FirstOrDefault(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.Contains("scrape_configs:", StringComparison.Ordinal));
        var target = config.Value.ValueKind == JsonValueKind.String ? AlertmanagerTarget().Match(config.Value.GetString()!) : Match.Empty;
        var configSecret = Array(app.Property("properties", "configuration", "secrets"))
            .Select(s => s.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "")
            .FirstOrDefault(value => config.Name is not null && value.StartsWith($"[format(variables('{config.Name}'),", StringComparison.Ordinal)) ?? "";
        var arguments = FormatArguments(configSecret);
        var index = target.Success ? int.Parse(target.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1 : -1;
        var parameter = index > 0 && index < arguments.Count ? ParameterOnly().Match($"[{arguments[index]}]") : Match.Empty;
        var (owner, address) = parameter.Success ? ResolveParameter(template, parameter.Groups[1].Value) : (template, default);
        var alertmanager = owner.Resources.SingleOrDefault(r => r.Type == "Microsoft.App/containerApps" && IsAlertmanager(r));
        Expect(findings, Alerting, alertmanager is not null && address.ValueKind == JsonValueKind.String
                && address.GetString() == $"[format('{{0}}:80', {alertmanager.Name.Trim('[', ']')})]",
            $"the self-hosted Prometheus (module {template.Name}) does not send its alerts over http to the Alertmanager app's name on port 80 (got {(address.ValueKind == JsonValueKind.String ? address.GetString() : "no alerting target")})");
    }

    /// <summary>Whether <paramref name="value"/>, followed across module boundaries, is the main template's parameter <paramref name="name"/>.</summary>
    private static bool IsMainParameter(ArmTemplate main, ArmTemplate template, JsonElement value, string name)
    {
        var (owner, resolved) = template.Resolve(value);
        return owner == main && resolved.ValueKind == JsonValueKind.String && resolved.GetString() == $"[parameters('{name}')]";
    }

    private static bool IsAlertmanager(ArmResource app) => StartCommand(app).Contains("/bin/alertmanager ", StringComparison.Ordinal);

    /// <summary>The container's command and args as one line (the shell command of <c>/bin/sh -c</c> included).</summary>
    private static string StartCommand(ArmResource app) =>
        string.Join(' ', Array(app.Property("properties", "template", "containers"))
            .SelectMany(c => Array(c.TryGetProperty("command", out var command) ? command : null).Concat(Array(c.TryGetProperty("args", out var args) ? args : null)))
            .Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : "")) + " ";

    /// <summary>A string literal, or the literal value of <c>[variables('x')]</c>; null for any other expression.</summary>
    private static string? VariableLiteral(ArmTemplate template, JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : null;
        if (text is not null && VariableOnly().Match(text) is { Success: true } variable
            && template.Template.TryGetProperty("variables", out var variables) && variables.TryGetProperty(variable.Groups[1].Value, out var literal))
        {
            text = literal.ValueKind == JsonValueKind.String ? literal.GetString() : null;
        }

        // ARM escapes a literal that starts with '[' as '[['.
        return text is null ? null : text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text.StartsWith('[') ? null : text;
    }

    /// <summary>Every <c>url_file</c> of the webhook receivers of an Alertmanager configuration.</summary>
    private static List<string> UrlFiles(string alertmanagerYaml)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(alertmanagerYaml));
        var receivers = ((YamlMappingNode)yaml.Documents[0].RootNode).Children.TryGetValue("receivers", out var r) ? (YamlSequenceNode)r : new YamlSequenceNode();
        return receivers.Children.Cast<YamlMappingNode>()
            .SelectMany(receiver => receiver.Children.TryGetValue("webhook_configs", out var w) ? ((YamlSequenceNode)w).Children.Cast<YamlMappingNode>() : [])
            .Select(webhook => Text(webhook, "url_file"))
            .OfType<string>()
            .ToList();
    }

    /// <summary>The top-level arguments of <c>[format(a, b, ...)]</c> (commas inside parentheses and quotes do not split).</summary>
    private static List<string> FormatArguments(string expression)
    {
        var arguments = new List<string>();
        if (!expression.StartsWith("[format(", StringComparison.Ordinal) || !expression.EndsWith(")]", StringComparison.Ordinal))
        {
            return arguments;
        }

        var body = expression["[format(".Length..^2];
        var (depth, quoted, start) = (0, false, 0);
        for (var i = 0; i < body.Length; i++)
        {
            switch (body[i])
            {
                case '\'':
                    quoted = !quoted;
                    break;
                case '(' when !quoted:
                    depth++;
                    break;
                case ')' when !quoted:
                    depth--;
                    break;
                case ',' when !quoted && depth == 0:
                    arguments.Add(body[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        arguments.Add(body[start..].Trim());
        return arguments;
    }

    /// <summary>The alerting section of a Prometheus config: one Alertmanager over plain http, its target a format placeholder.</summary>
    [GeneratedRegex(@"\nalerting:\n  alertmanagers:\n    - scheme: http\n      static_configs:\n        - targets: \['\{(\d+)\}'\]\n")]
    private static partial Regex AlertmanagerTarget();

    [GeneratedRegex(@"^\[variables\('([^']+)'\)\]$")]
    private static partial Regex VariableOnly();
}
