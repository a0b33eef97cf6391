namespace PaymentFunctions.Faults.Tests;

/// <summary>Paths in the repository under test.</summary>
internal static class Repository
{
    public static string PathOf(string relative) =>
        Path.Combine(Testing.Tools.RepositoryRoot, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string PrometheusConfig => PathOf("deploy/prometheus/prometheus.yml");
}
