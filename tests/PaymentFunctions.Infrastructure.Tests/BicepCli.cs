using System.Diagnostics;
using System.Reflection;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>Output of one Bicep CLI run.</summary>
public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Every diagnostic line (warnings and errors are printed as <c>file(line,col) : Level code: message</c>).</summary>
    public IReadOnlyList<string> Diagnostics =>
        (StandardOutput + "\n" + StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(" : Warning ", StringComparison.Ordinal)
                || line.Contains(" : Error ", StringComparison.Ordinal)
                || line.Contains(" : Info ", StringComparison.Ordinal))
            .ToList();

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>
/// The real Bicep CLI from the NuGet package <c>Azure.Bicep.CommandLine.linux-x64</c>. The package root is
/// written into this assembly's metadata at build time (GeneratePathProperty), the binary is <c>tools/bicep</c>.
/// </summary>
public sealed class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private BicepCli(string path) => ExecutablePath = path;

    public string ExecutablePath { get; }

    public static BicepCli Locate()
    {
        var packageRoot = AssemblyMetadata("BicepPackageRoot");
        var path = Path.Combine(packageRoot, "tools", OperatingSystem.IsWindows() ? "bicep.exe" : "bicep");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Bicep CLI not found at {path}; restore the test project.");
        }

        if (!OperatingSystem.IsWindows())
        {
            // NuGet extracts files without guaranteeing the execute bits.
            var mode = File.GetUnixFileMode(path);
            var execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(path, mode | execute);
            }
        }

        return new BicepCli(path);
    }

    public static string AssemblyMetadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");

    /// <summary>Compiles a Bicep file to ARM JSON in <paramref name="outputDirectory"/> and returns the JSON path.</summary>
    public (BicepResult Result, string JsonPath) Build(string bicepFile, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var result = Run("build", bicepFile, "--outdir", outputDirectory);
        return (result, Path.Combine(outputDirectory, Path.ChangeExtension(Path.GetFileName(bicepFile), ".json")));
    }

    public BicepResult Lint(string bicepFile) => Run("lint", bicepFile);

    /// <summary>
    /// Compiles every file matching <paramref name="pattern"/> (a glob relative to <paramref name="directory"/>)
    /// in one run, each to a .json beside it, with the given bicepconfig.json instead of the discovered ones.
    /// </summary>
    public BicepResult BuildAll(string directory, string pattern, string configFile) =>
        RunIn(directory, "build", "--pattern", pattern, "--config", configFile);

    /// <summary>Lints every file matching <paramref name="pattern"/> in one run, each with its own bicepconfig.json.</summary>
    public BicepResult LintAll(string directory, string pattern) => RunIn(directory, "lint", "--pattern", pattern);

    private BicepResult Run(params string[] arguments) => RunIn(null, arguments);

    private BicepResult RunIn(string? workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // No telemetry, no update checks: the CLI runs offline in CI.
        startInfo.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in {Timeout}.");
        }

        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
