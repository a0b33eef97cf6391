namespace PaymentFunctions.Tests;

/// <summary>Where the repository and the app's build output are, found from the test assembly's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
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
}
