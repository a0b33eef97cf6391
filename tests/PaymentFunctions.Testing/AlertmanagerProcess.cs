namespace PaymentFunctions.Testing;

/// <summary>
/// A real Alertmanager (the shipped line, <see cref="Tools.Shipped"/>) on a free 127.0.0.1 port, running the repository's
/// <c>alertmanager.yml</c> with its webhook receiver pointed at <c>webhookUrl</c> (<see cref="AlertmanagerConfiguration"/>),
/// clustering off, its state in a temporary directory. Killed and its directory removed on dispose.
/// </summary>
public sealed class AlertmanagerProcess : ExternalProcess, IAsyncDisposable
{
    private readonly string _directory;

    private AlertmanagerProcess(int port, string directory, IEnumerable<string> arguments)
        : base(Tools.Shipped("prometheus-alertmanager"), arguments)
    {
        Url = new Uri($"http://127.0.0.1:{port}");
        _directory = directory;
    }

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts Alertmanager on the repository's configuration, notifying <paramref name="webhookUrl"/>; waits until ready.</summary>
    public static Task<AlertmanagerProcess> StartAsync(string repositoryConfigPath, Uri webhookUrl) =>
        OnFreePortAsync(port => StartOnPortAsync(port, repositoryConfigPath, webhookUrl));

    private static async Task<AlertmanagerProcess> StartOnPortAsync(int port, string repositoryConfigPath, Uri webhookUrl)
    {
        var directory = Directory.CreateTempSubdirectory("alertmanager-test-").FullName;
        var urlFile = Path.Combine(directory, "webhook-url");
        await File.WriteAllTextAsync(urlFile, webhookUrl.AbsoluteUri);
        var configPath = Path.Combine(directory, "alertmanager.yml");
        await File.WriteAllTextAsync(configPath, AlertmanagerConfiguration.WithWebhookUrlFile(await File.ReadAllTextAsync(repositoryConfigPath), urlFile));
        var alertmanager = new AlertmanagerProcess(port, directory,
        [
            $"--config.file={configPath}",
            $"--storage.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            // One instance: no gossip port (9094 by default) to collide with another test's.
            "--cluster.listen-address=",
        ]);
        try
        {
            await alertmanager.WaitUntilReadyAsync(new Uri(alertmanager.Url, "/-/ready"), TimeSpan.FromSeconds(30));
            return alertmanager;
        }
        catch
        {
            await alertmanager.DisposeAsync();
            throw;
        }
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
