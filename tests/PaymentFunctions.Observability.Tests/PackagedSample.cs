using System.Globalization;

namespace PaymentFunctions.Observability.Tests;

/// <summary>
/// The sample app <c>samples/OrdersFunctions</c> as a newcomer builds it: the library packed with <c>dotnet pack</c> to a
/// local feed under a version unique to this run (no NuGet cache can serve a stale copy), the sample's sources copied to
/// a temporary folder outside the repository (none of its <c>Directory.*.props</c> apply, so a framework or dependency
/// missing from the package shows), <c>dotnet add package</c> from that feed, then <c>dotnet build</c>. Built once for
/// the tests that share it; the folder and the unique version in the NuGet cache are removed afterwards.
/// </summary>
public sealed class PackagedSample : IAsyncLifetime
{
    public const string PackageId = "AzureFunctions.PrometheusPush";

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private string _root = string.Empty;

    /// <summary>The version packed for this run.</summary>
    public string Version { get; } = string.Create(CultureInfo.InvariantCulture, $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");

    /// <summary>The sample's build output: the folder with functions.metadata, for the Functions host.</summary>
    public string AppDirectory { get; private set; } = string.Empty;

    /// <summary>The packed .nupkg.</summary>
    public string Package { get; private set; } = string.Empty;

    /// <summary>What the build printed (its warnings are part of what a newcomer sees).</summary>
    public string BuildOutput { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (Testing.FunctionsHostProcess.MissingReason.Length > 0)
        {
            return;
        }

        _root = Directory.CreateTempSubdirectory("orders-sample-").FullName;
        var feed = Directory.CreateDirectory(Path.Combine(_root, "feed")).FullName;
        var app = Directory.CreateDirectory(Path.Combine(_root, "OrdersFunctions")).FullName;

        await DotnetAsync(Repository.Root, "pack", Repository.PathOf("src/AzureFunctions.PrometheusPush"), "-c", "Release", "-o", feed, $"-p:Version={Version}", "--disable-build-servers");
        Package = Path.Combine(feed, $"{PackageId}.{Version}.nupkg");

        // The Functions template's shape: the project, Program.cs, the functions and host.json; nothing from the repository.
        var sample = Repository.PathOf("samples/OrdersFunctions");
        foreach (var file in Directory.GetFiles(sample, "*.cs").Append(Path.Combine(sample, "OrdersFunctions.csproj")).Append(Path.Combine(sample, "host.json")))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }

        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await DotnetAsync(app, "add", "package", PackageId, "--version", Version);
        BuildOutput = await DotnetAsync(app, "build", "-c", "Release", "--disable-build-servers");
        AppDirectory = Path.Combine(app, "bin", "Release", "net10.0");
    }

    public Task DisposeAsync()
    {
        if (_root.Length > 0)
        {
            Directory.Delete(_root, recursive: true);
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
                ? packages
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var cached = Path.Combine(cache, PackageId.ToLowerInvariant(), Version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs the .NET CLI as a newcomer's shell would: without the variables the test host's own MSBuild sets, and without
    /// MSBuild nodes that would outlive the test.
    /// </summary>
    private static async Task<string> DotnetAsync(string workingDirectory, params string[] arguments)
    {
        var environment = new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(n => n.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && n != "MSBUILDDISABLENODEREUSE"))
        {
            environment[name] = null;
        }

        var (exitCode, output) = await Repository.RunAsync("dotnet", arguments, workingDirectory, BuildTimeout, environment);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} in {workingDirectory} exited {exitCode}:\n{output}");
    }
}
