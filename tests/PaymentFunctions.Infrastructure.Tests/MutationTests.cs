using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// The checks bite: each test copies infra/ to a temporary directory, breaks one property the issue asks for,
/// compiles the copy with the real Bicep CLI and expects the check (or the linter) to report it.
/// </summary>
public sealed class MutationTests
{
    private static readonly BicepCli Bicep = BicepCli.Locate();

    public static TheoryData<string, string, string, string> Mutations => new()
    {
        { "app/function-app.bicep", "httpsOnly: true", "httpsOnly: false", InfrastructureChecks.FunctionApp },
        { "app/function-app.bicep", "minTlsVersion: '1.2'", "minTlsVersion: '1.0'", InfrastructureChecks.FunctionApp },
        { "core/storage/function-storage.bicep", "allowSharedKeyAccess: false", "allowSharedKeyAccess: true", InfrastructureChecks.SharedKey },
        { "core/storage/function-storage.bicep", "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'", InfrastructureChecks.Storage },
        { "core/storage/file-share-storage.bicep", "allowBlobPublicAccess: false", "allowBlobPublicAccess: true", InfrastructureChecks.Storage },
        { "core/security/key-vault.bicep", "var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'", "var keyVaultSecretsUserRoleId = '21090545-7ca7-4776-b22c-e363652d74d2'", InfrastructureChecks.RoleAssignments },
        { "app/function-app.bicep", "value: '@Microsoft.KeyVault(SecretUri=${keyVault::passwordSecret.properties.secretUri})'", "value: keyVault::passwordSecret.properties.secretUri", InfrastructureChecks.KeyVaultReferences },
        { "app/function-app.bicep", "value: pushgatewayUrl", "value: 'http://127.0.0.1:9091'", InfrastructureChecks.PushgatewayUrl },
        { "app/pushgateway.bicep", "allowInsecure: false", "allowInsecure: true", InfrastructureChecks.ContainerApps },
        { "core/storage/file-share-storage.bicep", "@description('Name of the file share.')\noutput", "output leakedKey string = storage.listKeys().keys[0].value\n\n@description('Name of the file share.')\noutput", InfrastructureChecks.Outputs },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void A_broken_property_is_reported(string file, string original, string replacement, string rule)
    {
        var findings = CompileAndCheck(file, original, replacement, out _);

        Assert.Contains(findings, f => f.Rule == rule);
    }

    [Fact]
    public void A_secret_in_an_output_fails_the_lint_too()
    {
        CompileAndCheck("main.bicep", "@description('Name of the Function App.')\noutput",
            "#disable-next-line outputs-should-not-contain-secrets\noutput ok string = 'x'\n\noutput grafanaPassword string = grafanaAdminPassword\n\n@description('Name of the Function App.')\noutput",
            out var lint, runLint: true);

        Assert.NotNull(lint);
        Assert.NotEqual(0, lint.ExitCode);
        Assert.Contains(lint.Diagnostics, d => d.Contains("Error outputs-should-not-contain-secrets", StringComparison.Ordinal));
    }

    [Fact]
    public void A_password_parameter_without_secure_is_reported_by_check_and_lint()
    {
        var findings = CompileAndCheck("main.bicep", "@minLength(16)\n@secure()\nparam pushgatewayPassword", "@minLength(16)\nparam pushgatewayPassword", out var lint, runLint: true);

        Assert.Contains(findings, f => f.Rule == InfrastructureChecks.SecureParameters);
        Assert.NotNull(lint);
        Assert.NotEqual(0, lint.ExitCode);
        Assert.Contains(lint.Diagnostics, d => d.Contains("Error secure-secrets-in-params", StringComparison.Ordinal));
    }

    private static IReadOnlyList<Finding> CompileAndCheck(string file, string original, string replacement, out BicepResult? lint, bool runLint = false)
    {
        var copy = Repository.CopyInfrastructure();
        try
        {
            var path = Path.Combine(copy.FullName, "infra", file);
            var text = File.ReadAllText(path).ReplaceLineEndings("\n");
            Assert.Contains(original, text, StringComparison.Ordinal); // the mutation must still match the source
            File.WriteAllText(path, text.Replace(original, replacement, StringComparison.Ordinal));

            var main = Path.Combine(copy.FullName, "infra", "main.bicep");
            lint = runLint ? Bicep.Lint(main) : null;

            // bicep build also fails on linter errors; switch the linter off for the build so these tests prove
            // that the checks on the ARM JSON catch the change by themselves.
            var config = Path.Combine(copy.FullName, "infra", "bicepconfig.json");
            File.WriteAllText(config, """{ "analyzers": { "core": { "enabled": false } } }""");
            var (build, json) = Bicep.Build(main, Path.Combine(copy.FullName, "out"));
            Assert.True(build.ExitCode == 0, build.ToString());
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            return InfrastructureChecks.Check(document.RootElement);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }
}
