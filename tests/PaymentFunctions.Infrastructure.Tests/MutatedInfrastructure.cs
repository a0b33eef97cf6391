using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// One deliberate break of infra/: replace <see cref="Original"/> by <see cref="Replacement"/> in <see cref="File"/>.
/// <see cref="AlsoReportedBy"/> names a second rule that rightly reports the same break.
/// </summary>
public sealed record Mutation(string Id, string File, string Original, string Replacement, string ExpectedRule, string? AlsoReportedBy = null);

/// <summary>The outcome of compiling and linting one mutated copy of infra/.</summary>
public sealed record MutationResult(string? Problem, IReadOnlyList<Finding> Findings, IReadOnlyList<string> LintDiagnostics);

/// <summary>
/// Copies infra/ (and the deploy/ files it loads) once per mutation, applies each mutation to its copy, then
/// compiles all copies in one Bicep run with the linter off (so the ARM checks must catch the break by
/// themselves) and lints all copies in a second run with the repository's bicepconfig.json.
/// </summary>
public sealed class MutatedInfrastructure : IDisposable
{
    public static readonly IReadOnlyList<Mutation> All =
    [
        new("https-only", "app/function-app.bicep", "httpsOnly: true", "httpsOnly: false", InfrastructureChecks.FunctionApp),
        new("site-tls", "app/function-app.bicep", "minTlsVersion: '1.2'", "minTlsVersion: '1.0'", InfrastructureChecks.FunctionApp),
        new("shared-key", "core/storage/function-storage.bicep", "allowSharedKeyAccess: false", "allowSharedKeyAccess: true", InfrastructureChecks.SharedKey),
        new("storage-tls", "core/storage/function-storage.bicep", "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'", InfrastructureChecks.Storage),
        new("public-blob", "core/storage/file-share-storage.bicep", "allowBlobPublicAccess: false", "allowBlobPublicAccess: true", InfrastructureChecks.Storage),
        new("connection-string", "app/function-app.bicep", "name: 'AzureWebJobsStorage__credential'\n          value: 'managedidentity'",
            "name: 'AzureWebJobsStorage'\n          value: 'DefaultEndpointsProtocol=https;AccountName=${storageAccountName};AccountKey=${storage.listKeys().keys[0].value}'", InfrastructureChecks.FunctionApp),
        new("wrong-role", "core/security/key-vault.bicep", "var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'",
            "var keyVaultSecretsUserRoleId = '21090545-7ca7-4776-b22c-e363652d74d2'", InfrastructureChecks.RoleAssignments, InfrastructureChecks.LeastPrivilege),
        new("no-key-vault-reference", "app/function-app.bicep", "value: '@Microsoft.KeyVault(SecretUri=${keyVault::passwordSecret.properties.secretUri})'",
            "value: keyVault::passwordSecret.properties.secretUri", InfrastructureChecks.KeyVaultReferences),
        new("pushgateway-url", "app/function-app.bicep", "value: pushgatewayUrl", "value: 'http://127.0.0.1:9091'", InfrastructureChecks.PushgatewayUrl),
        new("insecure-ingress", "app/pushgateway.bicep", "allowInsecure: false", "allowInsecure: true", InfrastructureChecks.ContainerApps),
        new("prometheus-scrapes-one-shard", "main.bicep", "pushgatewayFqdns: pushgateway.outputs.fqdns", "pushgatewayFqdns: [pushgateway.outputs.fqdns[0]]", InfrastructureChecks.ContainerApps),
        new("function-app-pushes-to-one-shard", "main.bicep", "pushgatewayUrl: join(pushgateway.outputs.urls, ',')", "pushgatewayUrl: pushgateway.outputs.urls[0]", InfrastructureChecks.PushgatewayUrl),
        new("pushgateway-start-script-edited", "app/pushgateway.bicep", "          value: startScript\n", "          value: 'exec /bin/pushgateway \"$@\"'\n",
            InfrastructureChecks.ContainerApps),
        new("pushgateway-without-start-script", "app/pushgateway.bicep", "            '${webConfigDirectory}/start.sh'\n", "            '-c'\n", InfrastructureChecks.ContainerApps,
            InfrastructureChecks.PushgatewayUrl),
        new("pushgateway-consistency-check", "app/pushgateway.bicep", "            '--push.disable-consistency-check'\n", "", InfrastructureChecks.ContainerApps),
        new("prometheus-without-created-timestamps", "app/prometheus.bicep", "            '--enable-feature=created-timestamp-zero-ingestion'\n", "", InfrastructureChecks.ContainerApps),
        new("agent-without-created-timestamps", "app/monitor-agent.bicep", "            '--enable-feature=created-timestamp-zero-ingestion'\n", "", InfrastructureChecks.ManagedPrometheus),
        new("pushgateway-threads-from-host", "app/pushgateway.bicep", "              value: '1'\n", "              value: '4'\n", InfrastructureChecks.ContainerApps),
        new("pushgateway-undersized", "app/pushgateway.bicep", "cpu: json('1.0')\n            memory: '2Gi'", "cpu: json('0.25')\n            memory: '0.5Gi'",
            InfrastructureChecks.ContainerApps),
        new("tsdb-on-azure-files", "app/prometheus.bicep", "      volumes: [\n",
            "      volumes: [\n        {\n          name: 'tsdb'\n          storageType: 'AzureFile'\n          storageName: 'pushgateway'\n        }\n", InfrastructureChecks.ContainerApps),
        new("listkeys-output", "core/storage/file-share-storage.bicep", "@description('Name of the file share.')\noutput",
            "output leakedKey string = storage.listKeys().keys[0].value\n\n@description('Name of the file share.')\noutput", InfrastructureChecks.Outputs),
        new("secure-output", "main.bicep", "@description('Name of the Function App.')\noutput",
            "output grafanaPassword string = grafanaAdminPassword\n\n@description('Name of the Function App.')\noutput", InfrastructureChecks.Outputs),
        new("password-not-secure", "main.bicep", "@minLength(16)\n@secure()\nparam pushgatewayPassword", "@minLength(16)\nparam pushgatewayPassword",
            InfrastructureChecks.SecureParameters),

        // The managed backend and the rule groups.
        new("rule-expression", "app/monitor-rules.generated.bicep", "expression: 'max without (replica) (job_severity:errors:rate5m{severity=\"high\"}) > 0.1'",
            "expression: 'max without (replica) (job_severity:errors:rate5m{severity=\"high\"}) > 0.2'", InfrastructureChecks.RuleGroups),
        new("rule-for", "app/monitor-rules.generated.bicep", "for: 'PT2M'", "for: 'PT3M'", InfrastructureChecks.RuleGroups),
        new("rule-label", "app/monitor-rules.generated.bicep", "          severity: 'critical'\n", "          severity: 'page'\n", InfrastructureChecks.RuleGroups),
        new("rule-annotation", "app/monitor-rules.generated.bicep", "summary: 'Payment success rate below 95 %'", "summary: 'Payment success rate below 90 %'",
            InfrastructureChecks.RuleGroups),
        new("rule-without-action", "app/monitor-rules.generated.bicep", "        actions: [\n          {\n            actionGroupId: actionGroupId\n          }\n        ]\n", "",
            InfrastructureChecks.RuleGroups),
        new("yaml-alert-not-regenerated", "../deploy/prometheus/rules/alerts.yml", "  - name: payment-functions.push-health-alerts\n    rules:\n",
            "  - name: payment-functions.push-health-alerts\n    rules:\n      - alert: Added\n        expr: vector(1)\n        for: 1m\n        labels:\n          severity: warning\n        annotations:\n          summary: added\n",
            InfrastructureChecks.RuleGroups),
        new("remote-write-basic-auth", "app/monitor-agent.bicep", "    azuread:\n      cloud: AzurePublic\n      managed_identity:\n        client_id: '{4}'\n",
            "    basic_auth:\n      username: {1}\n      password_file: {0}/pushgateway-password\n", InfrastructureChecks.ManagedPrometheus),
        new("remote-write-other-identity", "main.bicep", "identityClientId: monitorIdentity!.outputs.clientId", "identityClientId: identity.outputs.clientId",
            InfrastructureChecks.ManagedPrometheus, InfrastructureChecks.AggregatingScraper),
        new("agent-without-honor-labels", "app/monitor-agent.bicep", "honor_labels: true", "honor_labels: false", InfrastructureChecks.ManagedPrometheus),
        new("agent-prometheus-2-45", "main.bicep", "param prometheusImage string = 'docker.io/prom/prometheus:v3.5.3'",
            "param prometheusImage string = 'docker.io/prom/prometheus:v2.45.0'", InfrastructureChecks.ManagedPrometheus, InfrastructureChecks.AggregatingScraper),
        new("grafana-admin-owner", "app/monitor-grafana.bicep", "var grafanaAdminRoleId = '22926164-76b3-42b3-bc55-97df8dab3e41'",
            "var grafanaAdminRoleId = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635'", InfrastructureChecks.LeastPrivilege),
        new("grafana-reader-on-resource-group", "app/monitor-grafana.bicep", "  name: guid(workspace.id, grafana.id, monitoringDataReaderRoleId)\n  scope: workspace\n",
            "  name: guid(workspace.id, grafana.id, monitoringDataReaderRoleId)\n", InfrastructureChecks.LeastPrivilege),
        new("grafana-api-key", "app/monitor-grafana.bicep", "apiKey: 'Disabled'", "apiKey: 'Enabled'", InfrastructureChecks.Grafana),
        new("grafana-anonymous", "app/grafana.bicep", "name: 'GF_AUTH_ANONYMOUS_ENABLED'\n              value: 'false'",
            "name: 'GF_AUTH_ANONYMOUS_ENABLED'\n              value: 'true'", InfrastructureChecks.Grafana),
        new("grafana-public-snapshots", "app/monitor-grafana.bicep", "externalEnabled: false", "externalEnabled: true", InfrastructureChecks.Grafana),
        new("raw-path-by-default", "main.bicep", "param managedMetricsMode string = 'aggregated'", "param managedMetricsMode string = 'raw'",
            InfrastructureChecks.ManagedPrometheus),

        // The aggregating scraper: a server with the repository's rules, writing only what the workspace reads.
        new("aggregator-as-agent", "app/monitor-aggregator.bicep", "            '--storage.tsdb.path=/prometheus'\n",
            "            '--agent'\n            '--storage.agent.path=/prometheus'\n", InfrastructureChecks.AggregatingScraper, InfrastructureChecks.ManagedPrometheus),
        new("aggregator-without-created-timestamps", "app/monitor-aggregator.bicep", "            '--enable-feature=created-timestamp-zero-ingestion'\n", "",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-keeps-raw-series-for-weeks", "app/monitor-aggregator.bicep", "'--storage.tsdb.retention.time=6h'", "'--storage.tsdb.retention.time=15d'",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-writes-raw-series", "app/monitor-aggregator.bicep", "        action: keep\n'''", "        action: drop\n'''", InfrastructureChecks.AggregatingScraper),
        new("aggregator-writes-a-raw-counter", "app/monitor-aggregator.bicep", "|up;pushgateway'", "|up;pushgateway|payment_requests_total;.*'",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-drops-a-job-level-series", "app/monitor-aggregator.bicep", "(job|job_[a-z_]+|gateway|pushgateway|scraper):", "(job|gateway|pushgateway|scraper):",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-writes-every-instance-series", "app/monitor-aggregator.bicep", "|instance:(metric_push_age:seconds|", "|instance:[a-z_]+:[a-z_]+|instance:(metric_push_age:seconds|",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-without-replica-label", "app/monitor-aggregator.bicep", "  external_labels:\n    replica: ${{CONTAINER_APP_REVISION}}\n", "",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-other-recording-rules", "app/monitor-aggregator.bicep", "var recordingRules = loadTextContent('../../deploy/prometheus/rules/recording.yml')",
            "var recordingRules = loadTextContent('../../deploy/prometheus/rules/alerts.yml')", InfrastructureChecks.AggregatingScraper),
        new("aggregator-without-scraper-rules", "app/monitor-aggregator.bicep", "  - {0}/scraper.yml\n", "", InfrastructureChecks.AggregatingScraper),
        new("aggregator-two-replicas", "app/monitor-aggregator.bicep", "minReplicas: 1\n        maxReplicas: 1", "minReplicas: 1\n        maxReplicas: 2",
            InfrastructureChecks.AggregatingScraper),
        new("aggregator-remote-write-basic-auth", "app/monitor-aggregator.bicep", "    azuread:\n      cloud: AzurePublic\n      managed_identity:\n        client_id: '{4}'\n",
            "    basic_auth:\n      username: {1}\n      password_file: {0}/pushgateway-password\n", InfrastructureChecks.AggregatingScraper),
        new("aggregator-scrapes-all-of-itself", "app/monitor-aggregator.bicep", "regex: 'prometheus_(remote_storage|rule)_.+'", "regex: '.+'", InfrastructureChecks.AggregatingScraper),
        new("aggregator-beside-the-agent", "main.bicep", "module monitorAggregator 'app/monitor-aggregator.bicep' = if (managedMetrics && !rawManagedMetrics) {",
            "module monitorAggregator 'app/monitor-aggregator.bicep' = if (managedMetrics) {", InfrastructureChecks.AggregatingScraper),
        new("workspace-records-beside-the-scraper", "main.bicep", "recordInWorkspace: rawManagedMetrics", "recordInWorkspace: true", InfrastructureChecks.RuleGroups),
        new("recording-rule-group-on-every-path", "app/monitor-rules.generated.bicep", "= if (recordInWorkspace) {", "= {", InfrastructureChecks.RuleGroups),
        new("scraper-alerts-on-the-raw-path", "app/monitor-rules.generated.bicep", "= if (!recordInWorkspace) {", "= {", InfrastructureChecks.RuleGroups),

        new("agent-password-output", "app/monitor-agent.bicep", "@description('Name of the container app.')\noutput",
            "output leakedPassword string = password\n\n@description('Name of the container app.')\noutput", InfrastructureChecks.Outputs),

        // Alerting: every backend pages the webhook, which stays a secret.
        new("action-group-other-webhook", "app/monitor-workspace.bicep", "serviceUri: alertWebhookUrl", "serviceUri: 'https://example.invalid/hook'", InfrastructureChecks.Alerting),
        new("action-group-own-schema", "app/monitor-workspace.bicep", "serviceUri: alertWebhookUrl\n        useCommonAlertSchema: true",
            "serviceUri: alertWebhookUrl\n        useCommonAlertSchema: false", InfrastructureChecks.Alerting),
        new("webhook-not-secure", "main.bicep", "@minLength(8)\n@secure()\nparam alertWebhookUrl", "@minLength(8)\nparam alertWebhookUrl", InfrastructureChecks.SecureParameters),
        new("webhook-output", "main.bicep", "@description('Name of the Function App.')\noutput",
            "output alertWebhook string = alertWebhookUrl\n\n@description('Name of the Function App.')\noutput", InfrastructureChecks.Outputs),
        new("action-group-webhook-output", "app/monitor-workspace.bicep", "@description('Name of the Azure Monitor workspace.')\noutput",
            "output webhook string = actionGroup.properties.webhookReceivers[0].serviceUri\n\n@description('Name of the Azure Monitor workspace.')\noutput", InfrastructureChecks.Outputs),
        new("alertmanager-config-edited", "app/alertmanager.bicep", "          value: alertmanagerConfig\n",
            "          value: replace(alertmanagerConfig, 'send_resolved: true', 'send_resolved: false')\n", InfrastructureChecks.Alerting),
        new("alertmanager-config-elsewhere", "app/alertmanager.bicep", "mountPath: '/etc/alertmanager'", "mountPath: '/etc/alertmanager/azure'", InfrastructureChecks.Alerting),
        new("alertmanager-webhook-in-plain-env", "app/alertmanager.bicep", "name: 'ALERT_WEBHOOK_URL'\n              secretRef: 'alert-webhook-url'",
            "name: 'ALERT_WEBHOOK_URL'\n              value: 'https://example.invalid/hook'", InfrastructureChecks.Alerting),
        new("alertmanager-webhook-other-file", "app/alertmanager.bicep", "\"$ALERT_WEBHOOK_URL\" > /alertmanager/webhook-url", "\"$ALERT_WEBHOOK_URL\" > /tmp/webhook-url",
            InfrastructureChecks.Alerting),
        new("alertmanager-external", "app/alertmanager.bicep", "external: false", "external: true", InfrastructureChecks.Alerting, InfrastructureChecks.ContainerApps),
        new("alertmanager-other-port", "app/alertmanager.bicep", "targetPort: 9093", "targetPort: 8080", InfrastructureChecks.Alerting),
        new("alertmanager-two-replicas", "app/alertmanager.bicep", "minReplicas: 1\n        maxReplicas: 1", "minReplicas: 1\n        maxReplicas: 2", InfrastructureChecks.Alerting),
        new("alertmanager-clustered", "app/alertmanager.bicep", " --cluster.listen-address='", "'", InfrastructureChecks.Alerting),
        new("prometheus-alerts-elsewhere", "main.bicep", "alertmanagerAddress: alertmanager!.outputs.address", "alertmanagerAddress: 'localhost:9093'", InfrastructureChecks.Alerting),
        new("prometheus-without-alerting", "app/prometheus.bicep", "alerting:\n  alertmanagers:\n", "alerting_disabled:\n  alertmanagers:\n", InfrastructureChecks.Alerting),
    ];

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("payment-functions-mutations-");
    private readonly Dictionary<string, MutationResult> _results = [];

    public MutatedInfrastructure()
    {
        var bicep = BicepCli.Locate();
        var problems = new Dictionary<string, string>();
        foreach (var mutation in All)
        {
            var copy = Path.Combine(_root.FullName, mutation.Id);
            Repository.CopyInfrastructure(copy);
            var path = Path.Combine(copy, "infra", mutation.File);
            var text = File.ReadAllText(path).ReplaceLineEndings("\n");
            if (!text.Contains(mutation.Original, StringComparison.Ordinal))
            {
                problems[mutation.Id] = $"the mutation no longer matches {mutation.File}: update it with the source";
                continue;
            }

            File.WriteAllText(path, text.Replace(mutation.Original, mutation.Replacement, StringComparison.Ordinal));
        }

        var linterOff = Path.Combine(_root.FullName, "linter-off.json");
        File.WriteAllText(linterOff, """{ "analyzers": { "core": { "enabled": false } } }""");
        const string pattern = "*/infra/main.bicep";
        Build = bicep.BuildAll(_root.FullName, pattern, linterOff);
        Lint = bicep.LintAll(_root.FullName, pattern);

        foreach (var mutation in All)
        {
            var copy = Path.Combine(_root.FullName, mutation.Id);
            var json = Path.Combine(copy, "infra", "main.json");
            var problem = problems.GetValueOrDefault(mutation.Id)
                ?? (File.Exists(json) ? null : $"the mutated copy did not compile:\n{Build}");
            IReadOnlyList<Finding> findings = [];
            if (problem is null)
            {
                using var document = JsonDocument.Parse(File.ReadAllText(json));
                findings = InfrastructureChecks.Check(document.RootElement, Path.Combine(copy, "deploy"));
            }

            var prefix = copy + Path.DirectorySeparatorChar;
            var lint = Lint.Diagnostics.Where(d => d.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            _results[mutation.Id] = new MutationResult(problem, findings, lint);
        }
    }

    public BicepResult Build { get; }

    public BicepResult Lint { get; }

    public MutationResult this[string id] => _results[id];

    public void Dispose() => _root.Delete(recursive: true);
}
