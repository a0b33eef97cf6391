using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>Builds and lints <c>infra/main.bicep</c> once for all the tests of a class.</summary>
public sealed class CompiledInfrastructure : IDisposable
{
    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("payment-functions-arm-");

    public CompiledInfrastructure()
    {
        Bicep = BicepCli.Locate();
        (BuildResult, var jsonPath) = Bicep.Build(Repository.MainBicep, _output.FullName);
        LintResult = Bicep.Lint(Repository.MainBicep);
        Json = BuildResult.ExitCode == 0 ? JsonDocument.Parse(File.ReadAllText(jsonPath)) : null;
        Findings = Json is null ? [] : InfrastructureChecks.Check(Json.RootElement);
    }

    public BicepCli Bicep { get; }

    public BicepResult BuildResult { get; }

    public BicepResult LintResult { get; }

    /// <summary>The compiled ARM template; null when the build failed.</summary>
    public JsonDocument? Json { get; }

    public IReadOnlyList<Finding> Findings { get; }

    public JsonElement Template => Json?.RootElement ?? throw new InvalidOperationException($"bicep build failed:\n{BuildResult}");

    public void Dispose()
    {
        Json?.Dispose();
        _output.Delete(recursive: true);
    }
}
