using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>A security or wiring property the compiled template breaks.</summary>
public sealed record Finding(string Rule, string Message)
{
    public override string ToString() => $"[{Rule}] {Message}";
}

/// <summary>
/// The security and sizing properties of the infrastructure, checked on the compiled ARM JSON (all nested module
/// deployments included). Security settings must be literals in the template, not parameters, so that a
/// deployment cannot switch them off.
/// </summary>
public static partial class InfrastructureChecks
{
    public const string FunctionApp = "function-app";
    public const string Storage = "storage";
    public const string SharedKey = "shared-key";
    public const string RoleAssignments = "role-assignments";
    public const string KeyVaultReferences = "key-vault-references";
    public const string SecureParameters = "secure-parameters";
    public const string Outputs = "outputs";
    public const string PushgatewayUrl = "pushgateway-url";
    public const string ContainerApps = "container-apps";

    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    /// <summary>The Pushgateway flag that makes a push cost O(its own payload) instead of O(everything held).</summary>
    public const string DisableConsistencyCheck = "--push.disable-consistency-check";

    /// <summary>Every Prometheus deployed (self-hosted and the agent) stores a 0 at each pushed series' created time.</summary>
    public const string CreatedTimestampZeroIngestion = "--enable-feature=created-timestamp-zero-ingestion";

    /// <summary>The Pushgateway's size for its shard of 1,000 busy instances (one vCPU: push p99 20-25 ms, measured; docs/scale.md).</summary>
    public const double PushgatewayMinimumCores = 1;

    public const double PushgatewayMinimumGibibytes = 2;

    /// <summary>The credentials and passwords main.bicep must take as @secure() parameters.</summary>
    public static readonly string[] SecureMainParameters =
        ["pushgatewayUsername", "pushgatewayPassword", "pushgatewayPasswordBcryptHash", "grafanaAdminPassword", AlertWebhookParameter];

    /// <summary>App settings the app reads, with the values the deployment must give them.</summary>
    public static readonly IReadOnlyDictionary<string, string> FixedAppSettings = new Dictionary<string, string>
    {
        ["MetricPush__Job"] = "payment-functions",
        ["MetricPush__IntervalSeconds"] = "5",
        ["MetricPush__GroupTtlMinutes"] = "30",
        ["SystemMetricsSchedule"] = "*/5 * * * * *",
        ["MetricJanitorSchedule"] = "0 */5 * * * *",
    };

    /// <summary>
    /// Every check; the rule groups and the Alertmanager configuration are compared with the files of
    /// <paramref name="deployDirectory"/> (default: the repository's <c>deploy/</c>).
    /// </summary>
    public static IReadOnlyList<Finding> Check(JsonElement compiledMain, string? deployDirectory = null)
    {
        deployDirectory ??= Repository.DeployDirectory;
        var main = ArmTemplate.Parse(compiledMain);
        var findings = new List<Finding>();
        CheckFunctionApps(main, findings);
        CheckStorageAccounts(main, findings);
        CheckRoleAssignments(main, findings);
        CheckSecureParameters(main, findings);
        CheckOutputs(main, findings);
        CheckContainerApps(main, File.ReadAllText(Path.Combine(deployDirectory, "pushgateway", "start.sh")), findings);
        CheckLeastPrivilege(main, findings);
        CheckManagedPrometheus(main, findings);
        CheckAggregatingScraper(main, deployDirectory, findings);
        CheckRuleGroups(main, Path.Combine(deployDirectory, "prometheus", "rules"), findings);
        CheckGrafana(main, findings);
        CheckAlerting(main, Path.Combine(deployDirectory, "alertmanager", "alertmanager.yml"), findings);
        return findings;
    }

    private static void CheckFunctionApps(ArmTemplate main, List<Finding> findings)
    {
        var sites = main.AllResources("Microsoft.Web/sites").ToList();
        if (sites.Count != 1)
        {
            findings.Add(new(FunctionApp, $"expected exactly one Microsoft.Web/sites, found {sites.Count}"));
            return;
        }

        var (template, site) = sites[0];
        Expect(findings, FunctionApp, site.Property("kind")?.GetString()?.Contains("functionapp,linux", StringComparison.Ordinal) == true,
            "the site is not a Linux function app (kind functionapp,linux)");
        ExpectLiteral(findings, FunctionApp, site.Property("properties", "httpsOnly"), true, "httpsOnly");
        ExpectLiteral(findings, FunctionApp, site.Property("properties", "siteConfig", "minTlsVersion"), "1.2", "siteConfig.minTlsVersion");
        ExpectLiteral(findings, FunctionApp, site.Property("properties", "siteConfig", "ftpsState"), "Disabled", "siteConfig.ftpsState");
        ExpectLiteral(findings, FunctionApp, site.Property("properties", "functionAppConfig", "runtime", "name"), "dotnet-isolated", "functionAppConfig.runtime.name");
        ExpectLiteral(findings, FunctionApp, site.Property("properties", "functionAppConfig", "runtime", "version"), "10.0", "functionAppConfig.runtime.version");

        var plan = template.Resources.SingleOrDefault(r => r.Type == "Microsoft.Web/serverfarms");
        ExpectLiteral(findings, FunctionApp, plan?.Property("sku", "name"), "FC1", "plan sku.name (Flex Consumption)");
        ExpectLiteral(findings, FunctionApp, plan?.Property("properties", "reserved"), true, "plan properties.reserved (Linux)");

        var identityType = site.Property("identity", "type")?.GetString() ?? "";
        Expect(findings, FunctionApp, identityType.Contains("Assigned", StringComparison.Ordinal), "the function app has no managed identity");
        foreach (var key in site.Property("identity", "userAssignedIdentities")?.EnumerateObject().Select(p => p.Name) ?? [])
        {
            var parameter = IdentityParameter().Match(key);
            using var document = JsonDocument.Parse(JsonSerializer.Serialize($"[parameters('{parameter.Groups[1].Value}')]"));
            var (owner, identityValue) = template.Resolve(document.RootElement);
            Expect(findings, FunctionApp, parameter.Success && owner.Resources.Any(r => r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities")
                    && identityValue.ValueKind == JsonValueKind.String && identityValue.GetString()!.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.Ordinal),
                $"the function app's identity {key} is not the user-assigned identity the role assignments go to");
        }

        var authType = site.Property("properties", "functionAppConfig", "deployment", "storage", "authentication", "type")?.GetString();
        Expect(findings, FunctionApp, authType is "UserAssignedIdentity" or "SystemAssignedIdentity",
            $"deployment storage authenticates with '{authType}', not a managed identity");

        var settings = AppSettings(site);
        Expect(findings, FunctionApp, !settings.ContainsKey("AzureWebJobsStorage"),
            "AzureWebJobsStorage is set: host storage must be identity-based (AzureWebJobsStorage__*)");
        Expect(findings, FunctionApp, Literal(settings.GetValueOrDefault("AzureWebJobsStorage__credential")) == "managedidentity",
            "AzureWebJobsStorage__credential is not 'managedidentity'");
        Expect(findings, FunctionApp, settings.ContainsKey("AzureWebJobsStorage__blobServiceUri"), "AzureWebJobsStorage__blobServiceUri is missing");
        Expect(findings, FunctionApp, settings.Count > 0, "siteConfig.appSettings is not a literal list of settings");
        foreach (var (name, value) in settings)
        {
            var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            Expect(findings, FunctionApp, !text.Contains("AccountKey", StringComparison.OrdinalIgnoreCase) && !ListFunction().IsMatch(text),
                $"app setting {name} carries a storage key or a list*() result");
        }

        Expect(findings, FunctionApp, !settings.ContainsKey("FUNCTIONS_WORKER_RUNTIME") && !settings.ContainsKey("FUNCTIONS_EXTENSION_VERSION"),
            "FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION are app settings; Flex Consumption takes them from functionAppConfig");
        foreach (var (name, expected) in FixedAppSettings)
        {
            Expect(findings, FunctionApp, Literal(settings.GetValueOrDefault(name)) == expected, $"app setting {name} is not '{expected}'");
        }

        // Key Vault references for the Pushgateway credentials, resolved with the app's identity.
        foreach (var name in new[] { "MetricPush__Username", "MetricPush__Password" })
        {
            var value = settings.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            Expect(findings, KeyVaultReferences, value.Contains("@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal)
                    && value.Contains("Microsoft.KeyVault/vaults/secrets", StringComparison.Ordinal),
                $"app setting {name} is not a Key Vault reference to a vault secret");
        }

        if (identityType.Contains("UserAssigned", StringComparison.Ordinal))
        {
            var referenceIdentity = site.Property("properties", "keyVaultReferenceIdentity");
            var identityIds = site.Property("identity", "userAssignedIdentities")?.EnumerateObject().Select(p => p.Name).ToList() ?? [];
            var inner = referenceIdentity?.ValueKind == JsonValueKind.String ? referenceIdentity.Value.GetString()!.Trim('[', ']') : null;
            Expect(findings, KeyVaultReferences, !string.IsNullOrEmpty(inner) && identityIds.Any(id => id.Contains(inner, StringComparison.Ordinal)),
                "keyVaultReferenceIdentity is not the app's user-assigned identity");
        }

        var vaults = main.AllResources("Microsoft.KeyVault/vaults").ToList();
        Expect(findings, KeyVaultReferences, vaults.Count == 1, $"expected one Key Vault, found {vaults.Count}");
        foreach (var (_, vault) in vaults)
        {
            ExpectLiteral(findings, KeyVaultReferences, vault.Property("properties", "enableRbacAuthorization"), true, "Key Vault enableRbacAuthorization");
        }

        foreach (var (vaultTemplate, secret) in main.AllResources("Microsoft.KeyVault/vaults/secrets"))
        {
            var value = secret.Property("properties", "value")?.GetString() ?? "";
            var match = ParameterOnly().Match(value);
            Expect(findings, SecureParameters, match.Success && vaultTemplate.SecureParameters.Contains(match.Groups[1].Value),
                $"Key Vault secret {secret.Name} is not set from a @secure() parameter");
        }

        // The Pushgateway URL setting must be https:// + the Pushgateway container app's ingress FQDN.
        if (!settings.TryGetValue("MetricPush__Url", out var url))
        {
            findings.Add(new(PushgatewayUrl, "app setting MetricPush__Url is missing"));
            return;
        }

        // With Pushgateway shards the setting joins the pushgateway module's per-shard URLs: follow the join into the
        // module and check the element every shard's URL is made of.
        var (urlTemplate, resolved) = template.Resolve(url);
        var expression = resolved.ValueKind == JsonValueKind.String ? resolved.GetString()! : "";
        if (JoinedModuleOutput().Match(expression) is { Success: true } joined
            && urlTemplate.Children.SingleOrDefault(c => c.Name == joined.Groups[1].Value) is { } module
            && module.Template.TryGetProperty("outputs", out var outputs)
            && outputs.TryGetProperty(joined.Groups[2].Value, out var shardUrls)
            && shardUrls.TryGetProperty("copy", out var copy))
        {
            (urlTemplate, expression) = (module, copy.GetProperty("input").GetString() ?? "");
        }

        var pushgateway = urlTemplate.Resources.Where(r => r.Type == "Microsoft.App/containerApps").ToList();
        Expect(findings, PushgatewayUrl,
            expression.StartsWith("[format('https://{0}', reference(resourceId('Microsoft.App/containerApps'", StringComparison.Ordinal)
                && expression.EndsWith(".configuration.ingress.fqdn)]", StringComparison.Ordinal)
                && pushgateway.Count == 1 && IsPushgateway(pushgateway[0]),
            $"MetricPush__Url does not resolve to https:// + the Pushgateway container app FQDN of every shard (got {expression})");
    }

    private static void CheckStorageAccounts(ArmTemplate main, List<Finding> findings)
    {
        var accounts = main.AllResources("Microsoft.Storage/storageAccounts").ToList();
        Expect(findings, Storage, accounts.Count > 0, "no storage account found");
        foreach (var (template, account) in accounts)
        {
            var label = $"storage account {account.Name} (module {template.Name})";
            ExpectLiteral(findings, Storage, account.Property("properties", "minimumTlsVersion"), "TLS1_2", $"{label} minimumTlsVersion");
            ExpectLiteral(findings, Storage, account.Property("properties", "allowBlobPublicAccess"), false, $"{label} allowBlobPublicAccess");
            ExpectLiteral(findings, Storage, account.Property("properties", "supportsHttpsTrafficOnly"), true, $"{label} supportsHttpsTrafficOnly");

            // Shared keys only where Azure Files needs them: an account that allows them holds no blob containers.
            var sharedKey = account.Property("properties", "allowSharedKeyAccess");
            if (sharedKey?.ValueKind != JsonValueKind.False)
            {
                var containers = template.Resources.Count(r => r.Type == "Microsoft.Storage/storageAccounts/blobServices/containers");
                Expect(findings, SharedKey, containers == 0, $"{label} allows shared-key access and holds blob containers");
            }

            foreach (var container in template.Resources.Where(r => r.Type == "Microsoft.Storage/storageAccounts/blobServices/containers"))
            {
                var access = container.Property("properties", "publicAccess")?.GetString();
                Expect(findings, Storage, access is null or "None", $"blob container {container.Name} allows public access");
            }
        }

        // The Function App's own account (host storage and deployment package) has shared keys disabled.
        foreach (var (template, _) in main.AllResources("Microsoft.Web/sites"))
        {
            var account = FindAccountByName(template, "storageAccountName");
            Expect(findings, SharedKey, account?.Resource.Property("properties", "allowSharedKeyAccess")?.ValueKind == JsonValueKind.False,
                $"the Function App's storage account (parameter storageAccountName of module {template.Name}) does not set allowSharedKeyAccess: false");
        }
    }

    /// <summary>Follows a module's name parameter to the module that creates the storage account of that name.</summary>
    private static (ArmTemplate Template, ArmResource Resource)? FindAccountByName(ArmTemplate template, string parameterName)
    {
        using var document = JsonDocument.Parse($"\"[parameters('{parameterName}')]\"");
        static ArmResource? Owned(ArmTemplate t, JsonElement v) =>
            t.Resources.FirstOrDefault(r => r.Type == "Microsoft.Storage/storageAccounts" && r.Name == v.GetString());
        var (owner, value) = template.Resolve(document.RootElement, (t, v) => Owned(t, v) is not null);
        return value.ValueKind == JsonValueKind.String && Owned(owner, value) is { } account ? (owner, account) : null;
    }

    private static void CheckRoleAssignments(ArmTemplate main, List<Finding> findings)
    {
        var identities = main.SelfAndDescendants()
            .Where(t => t.Resources.Any(r => r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities"))
            .Select(t => t.Name)
            .ToHashSet();
        // User-assigned identities: the Function App's, and (managed backend) the Prometheus agent's, which may only
        // publish metrics (see CheckManagedPrometheus). The roles below go to one of them.
        var identityCount = main.AllResources("Microsoft.ManagedIdentity/userAssignedIdentities").Count();
        Expect(findings, RoleAssignments, identityCount is 1 or 2, $"expected the Function App's and at most the Prometheus agent's user-assigned identity, found {identityCount}");
        var assignments = main.AllResources("Microsoft.Authorization/roleAssignments").ToList();

        foreach (var (role, label) in new[] { (StorageBlobDataOwner, "Storage Blob Data Owner"), (KeyVaultSecretsUser, "Key Vault Secrets User"), (MonitoringMetricsPublisher, "Monitoring Metrics Publisher") })
        {
            var matching = assignments.Where(a => RoleDefinition(a.Template, a.Resource).Contains(role, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matching.Count == 0)
            {
                findings.Add(new(RoleAssignments, $"no {label} role assignment"));
                continue;
            }

            foreach (var (template, assignment) in matching)
            {
                ExpectLiteral(findings, RoleAssignments, assignment.Property("properties", "principalType"), "ServicePrincipal", $"{label} principalType");
                var principal = assignment.Property("properties", "principalId");
                var (owner, resolved) = principal is { } p ? template.Resolve(p) : (template, default);
                var text = resolved.ValueKind == JsonValueKind.String ? resolved.GetString()! : "";
                Expect(findings, RoleAssignments, identities.Contains(owner.Name) && text.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.Ordinal)
                        && text.EndsWith(".principalId]", StringComparison.Ordinal),
                    $"{label} is not granted to the Function App's managed identity (principalId resolves to {text})");
            }
        }
    }

    private static void CheckSecureParameters(ArmTemplate main, List<Finding> findings)
    {
        foreach (var name in SecureMainParameters)
        {
            Expect(findings, SecureParameters, ArmTemplate.IsSecureType(main.ParameterType(name)), $"main parameter {name} is not @secure()");
        }

        // A secure value passed to a module must land in a secure parameter, and never in a container's plain env.
        foreach (var child in main.SelfAndDescendants().Where(t => t.Deployment is not null))
        {
            var secureInParent = child.Parent!.SecureParameters;
            if (!child.Deployment!.Value.GetProperty("properties").TryGetProperty("parameters", out var passed))
            {
                continue;
            }

            foreach (var parameter in passed.EnumerateObject())
            {
                var value = parameter.Value.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
                var usesSecure = secureInParent.Any(s => value.Contains($"parameters('{s}')", StringComparison.Ordinal));
                Expect(findings, SecureParameters, !usesSecure || child.SecureParameters.Contains(parameter.Name),
                    $"module {child.Name} receives a secure value in the non-secure parameter {parameter.Name}");
            }
        }

        foreach (var (template, app) in main.AllResources("Microsoft.App/containerApps"))
        {
            foreach (var env in Array(app.Property("properties", "template", "containers")).SelectMany(c => Array(c.TryGetProperty("env", out var e) ? e : null)))
            {
                var value = env.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
                Expect(findings, SecureParameters, !template.SecureParameters.Any(s => value.Contains($"parameters('{s}')", StringComparison.Ordinal)),
                    $"container app in module {template.Name} puts a secure value in plain env {env.GetProperty("name").GetString()}");
            }
        }
    }

    private static void CheckOutputs(ArmTemplate main, List<Finding> findings)
    {
        foreach (var template in main.SelfAndDescendants())
        {
            var secure = template.SecureParameters;
            foreach (var (name, output) in template.Outputs)
            {
                var type = output.TryGetProperty("type", out var t) ? t.GetString() : null;
                var value = output.TryGetProperty("value", out var v) ? v.GetRawText() : "";
                var label = $"output {name} of {template.Name}";
                Expect(findings, Outputs, !ArmTemplate.IsSecureType(type), $"{label} is of a secure type");
                Expect(findings, Outputs, !ListFunction().IsMatch(value), $"{label} calls a list*() function (keys or secrets)");
                Expect(findings, Outputs, !value.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) && !value.Contains("secretUri", StringComparison.OrdinalIgnoreCase),
                    $"{label} exposes a connection string or secret URI");
                Expect(findings, Outputs, !secure.Any(s => value.Contains($"parameters('{s}')", StringComparison.Ordinal)),
                    $"{label} returns a @secure() parameter");
                // An action group keeps its webhook URLs as plain properties: reading one back would publish the secret.
                Expect(findings, Outputs, !value.Contains("webhookReceivers", StringComparison.OrdinalIgnoreCase) && !value.Contains("serviceUri", StringComparison.OrdinalIgnoreCase),
                    $"{label} reads a webhook receiver's URL back from an action group");
            }
        }

        foreach (var name in new[] { "AZURE_FUNCTION_APP_NAME", "FUNCTION_APP_URL", "PUSHGATEWAY_URL", "PROMETHEUS_URL", "GRAFANA_URL" })
        {
            Expect(findings, Outputs, main.Outputs.Any(o => o.Name == name), $"main output {name} is missing");
        }
    }

    private static void CheckContainerApps(ArmTemplate main, string startScript, List<Finding> findings)
    {
        var apps = main.AllResources("Microsoft.App/containerApps").ToList();
        foreach (var (template, app) in apps)
        {
            var label = $"container app in module {template.Name}";
            if (app.Property("properties", "configuration", "ingress") is null && (IsPrometheusAgent(app) || IsAggregatingScraper(template, app)))
            {
                continue; // The agent and the aggregating scraper have no ingress at all: nothing reaches them.
            }

            // Plain HTTP only where it never leaves the environment: an internal ingress (Alertmanager, reached by app name).
            var ingress = app.Property("properties", "configuration", "ingress");
            var insecure = ingress?.TryGetProperty("allowInsecure", out var i) == true ? i : (JsonElement?)null;
            if (insecure?.ValueKind == JsonValueKind.True && ingress?.TryGetProperty("external", out var external) == true && external.ValueKind == JsonValueKind.False)
            {
                continue;
            }

            ExpectLiteral(findings, ContainerApps, insecure, false, $"{label} ingress.allowInsecure (true is for internal ingress only)");
        }

        var pushgateways = apps.Where(a => IsPushgateway(a.Resource)).ToList();
        Expect(findings, ContainerApps, pushgateways.Count == 1, $"expected one Pushgateway container app, found {pushgateways.Count}");
        foreach (var (template, app) in pushgateways)
        {
            var volumes = Array(app.Property("properties", "template", "volumes")).ToList();
            Expect(findings, ContainerApps, volumes.Any(v => v.TryGetProperty("storageType", out var s) && s.GetString() == "AzureFile"),
                "the Pushgateway has no Azure Files volume for --persistence.file");
            Expect(findings, ContainerApps, volumes.Any(v => v.TryGetProperty("storageType", out var s) && s.GetString() == "Secret"),
                "the Pushgateway web config is not mounted from a secret volume");
            var secretValues = Array(app.Property("properties", "configuration", "secrets"))
                .Select(s => s.TryGetProperty("value", out var v) ? v.GetString() ?? "" : "").ToList();
            Expect(findings, ContainerApps, secretValues.Any(s => s.Contains("basic_auth_users", StringComparison.Ordinal)
                    && template.SecureParameters.Any(p => s.Contains($"parameters('{p}')", StringComparison.Ordinal))),
                "the Pushgateway web config (basic_auth_users) is not a secret built from @secure() parameters");

            // A crash must never restore counters older than Prometheus scraped: the gateway runs through the repository's
            // start.sh (the file written on a clean stop only, discarded after any other end), which owns the flags.
            var scriptSecrets = Array(app.Property("properties", "configuration", "secrets"))
                .Where(s => s.TryGetProperty("value", out var v) && VariableLiteral(template, v) == startScript)
                .Select(s => s.GetProperty("name").GetString())
                .ToHashSet(StringComparer.Ordinal);
            var scriptMounted = volumes.Where(v => v.TryGetProperty("storageType", out var s) && s.GetString() == "Secret")
                .SelectMany(v => Array(v.TryGetProperty("secrets", out var s) ? s : null))
                .Any(s => scriptSecrets.Contains(s.GetProperty("secretRef").GetString()) && s.TryGetProperty("path", out var p) && p.GetString() == "start.sh");
            var command = Commands(app).ToList();
            Expect(findings, ContainerApps, scriptMounted && command.Count == 3 && command[0] == "/bin/sh"
                    && command[1].Contains("/start.sh", StringComparison.Ordinal)
                    && !Args(app).Any(a => a.StartsWith("--persistence.", StringComparison.Ordinal)),
                "the Pushgateway does not run through deploy/pushgateway/start.sh as it is (sh, the script, its store; the script sets the persistence flags): a crash would restore counters older than Prometheus scraped");

            // With the per-push consistency check a push costs O(everything the gateway holds); 1,000
            // instances need it off, and CPU and memory sized for them.
            Expect(findings, ContainerApps, Args(app).Contains(DisableConsistencyCheck),
                $"the Pushgateway container does not run with {DisableConsistencyCheck} (pushes slow down with every group the gateway holds)");
            foreach (var container in Array(app.Property("properties", "template", "containers")))
            {
                var resources = container.TryGetProperty("resources", out var r) ? r : default;
                var cpu = resources.ValueKind == JsonValueKind.Object && resources.TryGetProperty("cpu", out var c) ? Cores(c) : null;
                var memory = resources.ValueKind == JsonValueKind.Object && resources.TryGetProperty("memory", out var m) ? Gibibytes(m) : null;
                Expect(findings, ContainerApps, cpu >= PushgatewayMinimumCores && memory >= PushgatewayMinimumGibibytes,
                    $"the Pushgateway container has {cpu?.ToString(CultureInfo.InvariantCulture) ?? "no literal"} vCPU and {memory?.ToString(CultureInfo.InvariantCulture) ?? "no literal"} GiB; "
                    + $"1,000 instances need at least {PushgatewayMinimumCores} vCPU and {PushgatewayMinimumGibibytes} GiB");

                // Go before 1.25 ignores the container's CPU quota: its threads must be set to the vCPUs it gets.
                var goMaxProcs = Array(container.TryGetProperty("env", out var e) ? e : null)
                    .Where(v => v.TryGetProperty("name", out var n) && n.GetString() == "GOMAXPROCS")
                    .Select(v => v.TryGetProperty("value", out var value) ? value.GetString() : null)
                    .FirstOrDefault();
                Expect(findings, ContainerApps, cpu is { } cores && goMaxProcs == Math.Max(1, (int)cores).ToString(CultureInfo.InvariantCulture),
                    $"the Pushgateway container's GOMAXPROCS is {goMaxProcs ?? "unset"}, not its {cpu?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} vCPU "
                    + "(Go sizes its threads to the host's cores and is throttled past the quota)");
            }
        }

        // Prometheus scrapes the Pushgateway over https with honor_labels; neither TSDB nor SQLite sits on Azure Files.
        // (The managed backend's aggregating scraper has its own checks: CheckAggregatingScraper.)
        var prometheus = apps.Where(a => Args(a.Resource).Any(arg => arg.Contains("--storage.tsdb.path=", StringComparison.Ordinal)) && !IsAggregatingScraper(a.Template, a.Resource)).ToList();
        Expect(findings, ContainerApps, prometheus.Count == 1, $"expected one Prometheus container app, found {prometheus.Count}");
        foreach (var (template, app) in prometheus)
        {
            // The app pushes created timestamps; without the flag a new instance's first values are lost to increase().
            Expect(findings, ContainerApps, Args(app).Contains(CreatedTimestampZeroIngestion),
                $"the Prometheus container does not run with {CreatedTimestampZeroIngestion} (a new instance's first counts never reach increase())");
            var variables = template.Template.TryGetProperty("variables", out var vars) ? vars.GetRawText() : "";
            Expect(findings, ContainerApps, variables.Contains("honor_labels: true", StringComparison.Ordinal) && variables.Contains("scheme: https", StringComparison.Ordinal),
                "the Prometheus config does not scrape with honor_labels: true over https");

            // Every Pushgateway shard is scraped: the targets are the pushgateway module's whole fqdns output.
            var passed = template.Deployment?.GetProperty("properties").GetProperty("parameters");
            var fqdns = passed is { } p && p.TryGetProperty("pushgatewayFqdns", out var f) && f.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()! : "";
            var source = ModuleOutputReference().Match(fqdns);
            Expect(findings, ContainerApps,
                source.Success && source.Groups[2].Value == "fqdns"
                    && template.Parent?.Children.SingleOrDefault(c => c.Name == source.Groups[1].Value) is { } shards
                    && shards.Resources.Any(r => r.Type == "Microsoft.App/containerApps" && IsPushgateway(r))
                    && variables.Contains("targets: [{2}]", StringComparison.Ordinal),
                $"Prometheus does not scrape every Pushgateway shard (pushgatewayFqdns is {fqdns})");
        }

        foreach (var (template, app) in apps.Where(a => !IsPushgateway(a.Resource)))
        {
            var volumes = Array(app.Property("properties", "template", "volumes"));
            Expect(findings, ContainerApps, !volumes.Any(v => v.TryGetProperty("storageType", out var s) && s.GetString() is "AzureFile" or "NfsAzureFile"),
                $"container app in module {template.Name} mounts Azure Files (Prometheus TSDB / Grafana SQLite must not live there)");
        }
    }

    /// <summary>The role definition ID expression of an assignment, with <c>variables('x')</c> replaced by the variable's value.</summary>
    private static string RoleDefinition(ArmTemplate template, ArmResource assignment)
    {
        var text = assignment.Property("properties", "roleDefinitionId")?.GetString() ?? "";
        if (template.Template.TryGetProperty("variables", out var variables))
        {
            foreach (var variable in variables.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.String))
            {
                text = text.Replace($"variables('{variable.Name}')", variable.Value.GetString(), StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>A literal CPU count: a number or Bicep's <c>[json('1.0')]</c>.</summary>
    private static double? Cores(JsonElement cpu) =>
        cpu.ValueKind == JsonValueKind.Number ? cpu.GetDouble()
        : cpu.ValueKind == JsonValueKind.String && JsonCpu().Match(cpu.GetString()!) is { Success: true } match
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    /// <summary>A literal memory size such as <c>2Gi</c>, in GiB.</summary>
    private static double? Gibibytes(JsonElement memory) =>
        memory.ValueKind == JsonValueKind.String && memory.GetString()!.EndsWith("Gi", StringComparison.Ordinal)
        && double.TryParse(memory.GetString()![..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var gibibytes)
            ? gibibytes
            : null;

    private static bool IsPushgateway(ArmResource app) =>
        Commands(app).Any(c => c.Contains("start.sh", StringComparison.Ordinal))
        && Args(app).Any(a => a.Contains("--web.config.file=", StringComparison.Ordinal));

    private static IEnumerable<string> Commands(ArmResource app) =>
        Array(app.Property("properties", "template", "containers"))
            .SelectMany(c => Array(c.TryGetProperty("command", out var a) ? a : null))
            .Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : "");

    private static IEnumerable<string> Args(ArmResource app) =>
        Array(app.Property("properties", "template", "containers"))
            .SelectMany(c => Array(c.TryGetProperty("args", out var a) ? a : null))
            .Select(a => a.ValueKind == JsonValueKind.String ? a.GetString()! : "");

    private static Dictionary<string, JsonElement> AppSettings(ArmResource site) =>
        Array(site.Property("properties", "siteConfig", "appSettings"))
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value"), StringComparer.Ordinal);

    private static List<JsonElement> Array(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Array } array ? [.. array.EnumerateArray()] : [];

    private static string? Literal(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.String } e && !e.GetString()!.StartsWith('[') ? e.GetString() : null;

    private static void Expect(List<Finding> findings, string rule, bool condition, string message)
    {
        if (!condition)
        {
            findings.Add(new(rule, message));
        }
    }

    private static void ExpectLiteral(List<Finding> findings, string rule, JsonElement? actual, object expected, string what)
    {
        var ok = expected switch
        {
            bool b => actual?.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
            string s => actual?.ValueKind == JsonValueKind.String && actual.Value.GetString() == s,
            _ => false,
        };
        if (!ok)
        {
            var shown = actual?.GetRawText() ?? "missing";
            findings.Add(new(rule, $"{what} must be the literal {JsonSerializer.Serialize(expected)}, found {shown}"));
        }
    }

    [GeneratedRegex(@"^\[json\('([0-9.]+)'\)\]$")]
    private static partial Regex JsonCpu();

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex ParameterOnly();

    [GeneratedRegex(@"parameters\('([^']+)'\)")]
    private static partial Regex IdentityParameter();

    /// <summary><c>[join(reference(... deployments 'module' ...).outputs.name.value, ',')]</c>: a module's array output joined with commas.</summary>
    [GeneratedRegex(@"^\[join\(reference\(.*'Microsoft\.Resources/deployments', '([^']+)'\).*\)\.outputs\.([A-Za-z0-9_]+)\.value, ','\)\]$")]
    private static partial Regex JoinedModuleOutput();

    /// <summary><c>[reference(... deployments 'module' ...).outputs.name.value]</c>: a module's output, whole.</summary>
    [GeneratedRegex(@"^\[reference\(.*'Microsoft\.Resources/deployments', '([^']+)'\).*\)\.outputs\.([A-Za-z0-9_]+)\.value\]$")]
    private static partial Regex ModuleOutputReference();
}
