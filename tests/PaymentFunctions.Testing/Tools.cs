using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace PaymentFunctions.Testing;

/// <summary>
/// Where the real binaries the tests run come from, and the check that each one is what the repository ships.
/// <c>scripts/install-prerequisites.sh</c> unpacks Debian sid's Prometheus, promtool, Pushgateway, Alertmanager and
/// amtool into <c>.tools/sid</c>, on the version lines <c>deploy/versions.env</c> names (the lines compose and Bicep
/// ship). Every fixture takes its binary from here and checks its version (and the features the tests rely on) before
/// it starts: a missing or older binary is a failure naming the install command, never a silently different number.
/// The machine's own Debian 12 Prometheus 2.42 and Pushgateway 1.5.1, which predate created timestamps, are reached
/// only through <see cref="Debian12"/>, by the tests that ask for such a scraper or gateway by name.
/// </summary>
public static partial class Tools
{
    /// <summary>What to run when a binary is missing or on the wrong line.</summary>
    public const string InstallCommand = "scripts/install-prerequisites.sh";

    private static readonly ConcurrentDictionary<string, string> Verified = new(StringComparer.Ordinal);

    /// <summary>
    /// The binaries the repository ships, each with the key of its line in <c>deploy/versions.env</c>, the environment
    /// variable that may point at another copy (checked the same way), and what its help must list for the tests.
    /// </summary>
    private static readonly Dictionary<string, ShippedBinary> ShippedBinaries = new(StringComparer.Ordinal)
    {
        // Every shipped Prometheus stores a zero at each created timestamp; the managed path runs it with --agent.
        ["prometheus"] = new("PROMETHEUS", "PROMETHEUS_BIN", ["created-timestamp-zero-ingestion", "--[no-]agent"]),
        ["promtool"] = new("PROMETHEUS", null, []),
        ["prometheus-pushgateway"] = new("PUSHGATEWAY", "PUSHGATEWAY_BIN", ["--push.disable-consistency-check"]),
        ["prometheus-alertmanager"] = new("ALERTMANAGER", "ALERTMANAGER_BIN", []),
        ["amtool"] = new("ALERTMANAGER", null, []),
    };

    /// <summary>The repository root (the folder holding PaymentFunctions.sln), found from the test's base directory upwards.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder the shipped binaries are unpacked to.</summary>
    public static string ShippedBinariesDirectory { get; } = Path.Combine(RepositoryRoot, ".tools", "sid", "usr", "bin");

    /// <summary>
    /// The full path of <paramref name="name"/>: a shipped binary (<c>prometheus</c>, <c>promtool</c>,
    /// <c>prometheus-pushgateway</c>, <c>prometheus-alertmanager</c>, <c>amtool</c>) checked as <see cref="Shipped"/>
    /// does; a rooted path as it is; any other tool from PATH.
    /// </summary>
    public static string Find(string name)
    {
        if (ShippedBinaries.ContainsKey(name))
        {
            return Shipped(name);
        }

        if (Path.IsPathRooted(name) && File.Exists(name))
        {
            return name;
        }

        return OnPath(name) ?? throw new FileNotFoundException(
            $"'{name}' is not on PATH. Install it with {InstallCommand} (scripts/test.sh runs it first).");
    }

    /// <summary>
    /// The shipped binary <paramref name="name"/> (its environment override, else <c>.tools/sid</c>), once its version is
    /// on the line <c>deploy/versions.env</c> names and its help lists the features the tests use.
    /// </summary>
    public static string Shipped(string name)
    {
        if (!ShippedBinaries.TryGetValue(name, out var binary))
        {
            throw new ArgumentException($"'{name}' is not one of the binaries the repository ships ({string.Join(", ", ShippedBinaries.Keys)}).", nameof(name));
        }

        var overridden = binary.Override is { } variable ? Environment.GetEnvironmentVariable(variable) : null;
        var path = string.IsNullOrEmpty(overridden) ? Path.Combine(ShippedBinariesDirectory, name) : overridden;
        return Verified.GetOrAdd(path, p => Verify(name, p, TestedLine(binary.VersionsKey), binary.HelpMentions));
    }

    /// <summary>
    /// The machine's own Debian 12 binary (<c>prometheus</c> 2.42 or <c>prometheus-pushgateway</c> 1.5.1, from apt):
    /// a scraper or gateway without created timestamps, for the tests that exercise the fallback for one.
    /// </summary>
    public static string Debian12(string name)
    {
        var line = name switch
        {
            "prometheus" => "2.42",
            "prometheus-pushgateway" => "1.5",
            _ => throw new ArgumentException($"Debian 12's '{name}' is not one the tests use.", nameof(name)),
        };
        var path = OnPath(name, exclude: ShippedBinariesDirectory) ?? Path.Combine("/usr/bin", name);
        return Verified.GetOrAdd(path, p => Verify(name, p, line, []));
    }

    /// <summary>
    /// Checks that <paramref name="path"/> exists, reports a version on <paramref name="line"/> (major.minor) and lists
    /// every one of <paramref name="helpMentions"/> in its <c>--help</c>; returns the path, or throws saying what was found
    /// and how to install the right binary.
    /// </summary>
    public static string Verify(string name, string path, string line, IReadOnlyCollection<string> helpMentions)
    {
        ArgumentNullException.ThrowIfNull(helpMentions);
        var expected = $"{name} {line}";
        if (!File.Exists(path))
        {
            throw new ToolMismatchException(
                $"{expected} is not installed: {path} does not exist. Install it with {InstallCommand} (scripts/test.sh runs it first).");
        }

        var version = VersionLine().Match(Run(path, "--version"));
        if (!version.Success || !version.Groups[1].Value.StartsWith(line + ".", StringComparison.Ordinal))
        {
            var found = version.Success ? version.Groups[1].Value : "no version it reports";
            throw new ToolMismatchException(
                $"{path} is {name} {found}, but the tests need {expected}.x (deploy/versions.env). Install it with {InstallCommand} (scripts/test.sh runs it first).");
        }

        var help = Run(path, "--help");
        var missing = helpMentions.Where(m => !help.Contains(m, StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new ToolMismatchException(
                $"{path} ({name} {version.Groups[1].Value}) lacks what the tests use: {string.Join(", ", missing)}. Install {expected} with {InstallCommand}.");
        }

        return path;
    }

    /// <summary>The line (major.minor) <c>deploy/versions.env</c> names for a component, e.g. <c>3.5</c> for PROMETHEUS.</summary>
    public static string TestedLine(string versionsKey) => Versions()[versionsKey + "_TESTED"];

    /// <summary>Every <c>KEY=VALUE</c> of <c>deploy/versions.env</c>.</summary>
    public static IReadOnlyDictionary<string, string> Versions() =>
        File.ReadAllLines(Path.Combine(RepositoryRoot, "deploy", "versions.env"))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);

    private static string? OnPath(string name, string? exclude = null)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate) && (exclude is null || !candidate.StartsWith(exclude, StringComparison.Ordinal)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>What the binary prints for one flag (both streams; these tools print their version to either).</summary>
    private static string Run(string path, string flag)
    {
        using var process = Process.Start(new ProcessStartInfo(path, [flag])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new ToolMismatchException($"{path} {flag} did not answer within 30 s.");
        }

        return stdout.Result + stderr.Result;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaymentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No PaymentFunctions.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^\S+, version (\d+\.\d+\.\d+)", RegexOptions.Multiline)]
    private static partial Regex VersionLine();

    private sealed record ShippedBinary(string VersionsKey, string? Override, IReadOnlyCollection<string> HelpMentions);
}

/// <summary>A binary the tests need is missing, on another version line, or lacks a feature the tests use.</summary>
public sealed class ToolMismatchException(string message) : Exception(message);
