namespace PaymentFunctions.Testing;

/// <summary>
/// Where the real binaries the tests run come from. <c>scripts/install-prerequisites.sh</c> unpacks Debian 13's
/// Prometheus 2.53, promtool and Pushgateway 1.11 into <c>.tools/debian13</c> of the repository: the nearest the
/// package registries come to what compose and Bicep ship (Prometheus 3.5, Pushgateway 1.11). Those are preferred;
/// the machine's own (Debian 12: Prometheus 2.42, Pushgateway 1.5.1, without created timestamps) stay reachable as
/// <see cref="OnPath"/> for the tests of a scraper that lacks the feature.
/// </summary>
public static class Tools
{
    /// <summary>The folder the newer binaries are unpacked to, found from the test's base directory upwards.</summary>
    public static string? NewerBinariesDirectory { get; } = FindNewerBinaries();

    /// <summary>The full path of <paramref name="name"/>: a rooted path as it is, else the newer binary, else PATH.</summary>
    public static string Find(string name)
    {
        if (Path.IsPathRooted(name) && File.Exists(name))
        {
            return name;
        }

        if (NewerBinariesDirectory is { } directory && File.Exists(Path.Combine(directory, name)))
        {
            return Path.Combine(directory, name);
        }

        return OnPath(name);
    }

    /// <summary>The full path of <paramref name="name"/> on PATH only (the machine's own packages).</summary>
    public static string OnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate) && !candidate.StartsWith(NewerBinariesDirectory ?? "\0", StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"'{name}' is not on PATH. Run scripts/test.sh, which installs the test prerequisites (scripts/install-prerequisites.sh).");
    }

    private static string? FindNewerBinaries()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaymentFunctions.sln")))
            {
                var bin = Path.Combine(dir.FullName, ".tools", "debian13", "usr", "bin");
                return Directory.Exists(bin) ? bin : null;
            }
        }

        return null;
    }
}
