using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>One deliberate break of infra/: replace <see cref="Original"/> by <see cref="Replacement"/> in <see cref="File"/>.</summary>
public sealed record Mutation(string Id, string File, string Original, string Replacement, string ExpectedRule);

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
            "var keyVaultSecretsUserRoleId = '21090545-7ca7-4776-b22c-e363652d74d2'", InfrastructureChecks.RoleAssignments),
        new("no-key-vault-reference", "app/function-app.bicep", "value: '@Microsoft.KeyVault(SecretUri=${keyVault::passwordSecret.properties.secretUri})'",
            "value: keyVault::passwordSecret.properties.secretUri", InfrastructureChecks.KeyVaultReferences),
        new("pushgateway-url", "app/function-app.bicep", "value: pushgatewayUrl", "value: 'http://127.0.0.1:9091'", InfrastructureChecks.PushgatewayUrl),
        new("insecure-ingress", "app/pushgateway.bicep", "allowInsecure: false", "allowInsecure: true", InfrastructureChecks.ContainerApps),
        new("prometheus-scrapes-one-shard", "main.bicep", "pushgatewayFqdns: pushgateway.outputs.fqdns", "pushgatewayFqdns: [pushgateway.outputs.fqdns[0]]", InfrastructureChecks.ContainerApps),
        new("function-app-pushes-to-one-shard", "main.bicep", "pushgatewayUrl: join(pushgateway.outputs.urls, ',')", "pushgatewayUrl: pushgateway.outputs.urls[0]", InfrastructureChecks.PushgatewayUrl),
        new("pushgateway-consistency-check", "app/pushgateway.bicep", "            '--push.disable-consistency-check'\n", "", InfrastructureChecks.ContainerApps),
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
                findings = InfrastructureChecks.Check(document.RootElement);
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
