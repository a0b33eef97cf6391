namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>Paths in the repository under test (the root is written into the assembly metadata at build time).</summary>
public static class Repository
{
    public static string Root { get; } = BicepCli.AssemblyMetadata("RepositoryRoot");

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string DeployDirectory => Path.Combine(Root, "deploy");

    public static string RulesDirectory => Path.Combine(DeployDirectory, "prometheus", "rules");

    /// <summary>
    /// Copies what <c>infra/main.bicep</c> compiles from (<c>infra/</c> and the <c>deploy/</c> files it loads) to a
    /// directory, so a test can change a copy without touching the repository.
    /// </summary>
    public static void CopyInfrastructure(string target)
    {
        CopyDirectory(Infra, Path.Combine(target, "infra"));
        CopyDirectory(Path.Combine(Root, "deploy"), Path.Combine(target, "deploy"));
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, directory)));
        }

        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)));
        }
    }
}
