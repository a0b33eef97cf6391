using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>infra/main.bicep compiles and lints cleanly, and its ARM JSON keeps the security properties of <see cref="InfrastructureChecks"/>.</summary>
public sealed class InfrastructureTests(CompiledInfrastructure infrastructure) : IClassFixture<CompiledInfrastructure>
{
    [Fact]
    public void Bicep_build_succeeds_without_diagnostics()
    {
        Assert.True(infrastructure.BuildResult.ExitCode == 0, infrastructure.BuildResult.ToString());
        Assert.Empty(infrastructure.BuildResult.Diagnostics);
    }

    [Fact]
    public void Bicep_lint_reports_nothing()
    {
        Assert.True(infrastructure.LintResult.ExitCode == 0, infrastructure.LintResult.ToString());
        Assert.Empty(infrastructure.LintResult.Diagnostics);
    }

    [Theory]
    [InlineData("outputs-should-not-contain-secrets")]
    [InlineData("secure-secrets-in-params")]
    [InlineData("use-secure-value-for-secure-inputs")]
    [InlineData("no-hardcoded-env-urls")]
    [InlineData("secure-parameter-default")]
    [InlineData("secure-params-in-nested-deploy")]
    [InlineData("no-unused-params")]
    [InlineData("no-unused-vars")]
    public void Bicepconfig_raises_the_rule_to_error(string rule)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Infra, "bicepconfig.json")));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        Assert.True(core.GetProperty("enabled").GetBoolean());
        Assert.Equal("error", core.GetProperty("rules").GetProperty(rule).GetProperty("level").GetString());
    }

    [Fact]
    public void The_compiled_template_passes_every_check() =>
        Assert.True(infrastructure.Findings.Count == 0, string.Join('\n', infrastructure.Findings));

    [Theory]
    [InlineData(InfrastructureChecks.FunctionApp)]
    [InlineData(InfrastructureChecks.Storage)]
    [InlineData(InfrastructureChecks.SharedKey)]
    [InlineData(InfrastructureChecks.RoleAssignments)]
    [InlineData(InfrastructureChecks.KeyVaultReferences)]
    [InlineData(InfrastructureChecks.SecureParameters)]
    [InlineData(InfrastructureChecks.Outputs)]
    [InlineData(InfrastructureChecks.PushgatewayUrl)]
    [InlineData(InfrastructureChecks.ContainerApps)]
    [InlineData(InfrastructureChecks.LeastPrivilege)]
    [InlineData(InfrastructureChecks.ManagedPrometheus)]
    [InlineData(InfrastructureChecks.AggregatingScraper)]
    [InlineData(InfrastructureChecks.RuleGroups)]
    [InlineData(InfrastructureChecks.Grafana)]
    [InlineData(InfrastructureChecks.Alerting)]
    public void The_compiled_template_passes_check(string rule)
    {
        _ = infrastructure.Template; // fails with the build output when the build failed
        var findings = infrastructure.Findings.Where(f => f.Rule == rule).ToList();
        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }

    [Fact]
    public void The_generated_rule_groups_are_what_the_generator_makes_of_the_rule_files()
    {
        var committed = File.ReadAllText(Path.Combine(Repository.Root, RuleGroups.RuleGroupBicep.OutputPath)).ReplaceLineEndings("\n");
        var generated = RuleGroups.RuleGroupBicep.Generate(Repository.RulesDirectory);
        Assert.True(committed == generated,
            $"{RuleGroups.RuleGroupBicep.OutputPath} is out of date with {RuleGroups.RuleGroupBicep.RulesDirectory}/*.yml: run `{RuleGroups.RuleGroupBicep.Command}` and commit the result.");
    }

    [Fact]
    public void Every_rule_of_the_rule_files_is_deployed_once_as_a_rule_group_rule()
    {
        var rules = ArmTemplate.Parse(infrastructure.Template).AllResources("Microsoft.AlertsManagement/prometheusRuleGroups")
            .SelectMany(g => g.Resource.Property("properties", "rules")!.Value.EnumerateArray())
            .Select(r => r.TryGetProperty("alert", out var a) ? a.GetString() : r.GetProperty("record").GetString())
            .ToList();
        // Every rule of a group that runs in Azure (the aggregating scraper's own health rules run on it alone).
        var yaml = new List<string>();
        foreach (var file in Directory.GetFiles(Repository.RulesDirectory, "*.yml"))
        {
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            using (var reader = new StreamReader(file))
            {
                stream.Load(reader);
            }

            var groups = (YamlDotNet.RepresentationModel.YamlSequenceNode)((YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode).Children["groups"];
            foreach (var group in groups.Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
                .Where(g => RuleGroups.RuleGroupBicep.PlacementOf(Path.GetFileName(file), g) is not null))
            {
                yaml.AddRange(((YamlDotNet.RepresentationModel.YamlSequenceNode)group.Children["rules"]).Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
                    .Select(r => ((YamlDotNet.RepresentationModel.YamlScalarNode)(r.Children.TryGetValue("alert", out var a) ? a : r.Children["record"])).Value!));
            }
        }


        Assert.NotEmpty(yaml);
        Assert.Equal(yaml.Order(StringComparer.Ordinal), rules.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Function_storage_and_pushgateway_share_are_separate_accounts()
    {
        var accounts = ArmTemplate.Parse(infrastructure.Template).AllResources("Microsoft.Storage/storageAccounts").ToList();
        Assert.Equal(2, accounts.Count);
        Assert.Single(accounts, a => a.Resource.Property("properties", "allowSharedKeyAccess")?.ValueKind == JsonValueKind.False);
        Assert.Single(accounts, a => a.Template.Resources.Any(r => r.Type == "Microsoft.Storage/storageAccounts/fileServices/shares"));
    }

    [Fact]
    public void Parameters_file_covers_every_required_parameter_and_no_unknown_one()
    {
        var declared = infrastructure.Template.GetProperty("parameters").EnumerateObject().ToList();
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Infra, "main.parameters.json")));
        var given = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.Empty(given.Except(declared.Select(p => p.Name)));
        Assert.Empty(declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Name).Except(given));
        foreach (var secure in InfrastructureChecks.SecureMainParameters.Where(given.Contains))
        {
            // Secure values come from the azd environment, never from the file.
            var value = file.RootElement.GetProperty("parameters").GetProperty(secure).GetProperty("value").GetString();
            Assert.Matches(@"^\$\{[A-Z_]+(=[a-z]*)?\}$", value);
        }
    }

    [Fact]
    public void Azure_yaml_deploys_the_function_project_with_bicep()
    {
        var yaml = File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml"));
        Assert.Contains("provider: bicep", yaml, StringComparison.Ordinal);
        Assert.Contains("host: function", yaml, StringComparison.Ordinal);
        Assert.Contains("project: ./src/PaymentFunctions/", yaml, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Repository.Root, "src", "PaymentFunctions", "PaymentFunctions.csproj")));

        // The service name in azure.yaml is the azd-service-name tag the Function App carries.
        Assert.Contains("  api:\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        var main = File.ReadAllText(Repository.MainBicep);
        Assert.Contains("serviceName: 'api'", main, StringComparison.Ordinal);
    }
}
