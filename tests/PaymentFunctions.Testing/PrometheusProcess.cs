using System.Globalization;
using System.Text.Json;
using PaymentFunctions.Fleet;

namespace PaymentFunctions.Testing;

/// <summary>
/// A real <c>prometheus</c> on a free 127.0.0.1 port, with its TSDB in a temporary directory, running a configuration
/// generated from the repository's <c>prometheus.yml</c>: only the scrape targets, the scrape and evaluation intervals
/// are replaced, and the rule files are the repository's own (made absolute). Killed and its directory removed on dispose.
/// </summary>
public sealed class PrometheusProcess : ExternalProcess, IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly PrometheusQueryClient _query;
    private readonly string _directory;
    private readonly string _executable;
    private readonly string[] _arguments;
    private bool _directoryHandedOver;

    /// <summary>
    /// Every scraping mode runs with it, as every shipped Prometheus does: a series' created timestamp (pushed in
    /// protobuf, served back by the Pushgateway) becomes a 0 sample, so <c>increase()</c> sees a new series' first value.
    /// </summary>
    public const string CreatedTimestampZeroIngestion = "--enable-feature=created-timestamp-zero-ingestion";

    private PrometheusProcess(string executable, int port, string directory, IEnumerable<string> arguments)
        : base(executable, arguments)
    {
        Url = new Uri($"http://127.0.0.1:{port}");
        _directory = directory;
        _executable = executable;
        _arguments = [.. arguments];
        _http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        _query = new PrometheusQueryClient(_http);
    }

    /// <summary>The shipped binary, version-checked: <c>PROMETHEUS_BIN</c>, else <c>.tools/sid</c> (<see cref="Tools.Shipped"/>).</summary>
    public static string Executable => Tools.Shipped("prometheus");

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri Url { get; }

    /// <summary>The configuration Prometheus runs with (generated from the repository's file).</summary>
    public string Configuration { get; private set; } = string.Empty;

    /// <summary>Starts Prometheus on the repository's configuration with the given target and intervals; waits until ready.</summary>
    public static Task<PrometheusProcess> StartAsync(
        string repositoryConfigPath, string scrapeTarget, TimeSpan scrapeInterval, TimeSpan evaluationInterval) =>
        StartAsync(repositoryConfigPath, [scrapeTarget], scrapeInterval, evaluationInterval);

    /// <summary>As above, scraping every one of <paramref name="scrapeTargets"/> (Pushgateway shards).</summary>
    public static Task<PrometheusProcess> StartAsync(
        string repositoryConfigPath, IReadOnlyList<string> scrapeTargets, TimeSpan scrapeInterval, TimeSpan evaluationInterval) =>
        StartWithAsync(PrometheusConfiguration.Render(repositoryConfigPath, scrapeTargets, scrapeInterval, evaluationInterval),
            data => [$"--storage.tsdb.path={data}", CreatedTimestampZeroIngestion]);

    /// <summary>As above, sending the rules' alerts to <paramref name="alertmanager"/> (the repository's file names the compose service).</summary>
    public static Task<PrometheusProcess> StartAsync(
        string repositoryConfigPath, IReadOnlyList<string> scrapeTargets, TimeSpan scrapeInterval, TimeSpan evaluationInterval, Uri alertmanager) =>
        StartWithAsync(
            PrometheusConfiguration.WithAlertmanager(
                PrometheusConfiguration.Render(repositoryConfigPath, scrapeTargets, scrapeInterval, evaluationInterval),
                $"{alertmanager.Host}:{alertmanager.Port}"),
            data => [$"--storage.tsdb.path={data}", CreatedTimestampZeroIngestion]);

    /// <summary>
    /// As above, but the machine's own Debian 12 Prometheus 2.42 without created-timestamp ingestion (checked to be 2.42
    /// by <see cref="Tools.Debian12"/>): a scraper that lacks the feature, as some users run, for which the pusher's
    /// first-values hold exists. Only the tests of that fallback ask for it.
    /// </summary>
    public static Task<PrometheusProcess> StartDebian12Async(
        string repositoryConfigPath, IReadOnlyList<string> scrapeTargets, TimeSpan scrapeInterval, TimeSpan evaluationInterval) =>
        OnFreePortAsync(port => StartOnPortAsync(Tools.Debian12("prometheus"), port,
            PrometheusConfiguration.Render(repositoryConfigPath, scrapeTargets, scrapeInterval, evaluationInterval),
            data => [$"--storage.tsdb.path={data}"]));

    /// <summary>
    /// Starts Prometheus in agent mode (scrape and remote-write only, a write-ahead log instead of a TSDB) on the
    /// repository's scrape configuration, writing to <paramref name="remoteWriteUrl"/>, with <paramref name="flags"/>: the
    /// mode and feature flags the deployed agent runs with (the tests read them from <c>infra/app/monitor-agent.bicep</c>).
    /// </summary>
    public static Task<PrometheusProcess> StartAgentAsync(
        string repositoryConfigPath, string scrapeTarget, TimeSpan scrapeInterval, Uri remoteWriteUrl, IReadOnlyList<string> flags) =>
        StartWithAsync(PrometheusConfiguration.RenderAgent(repositoryConfigPath, scrapeTarget, scrapeInterval, remoteWriteUrl),
            data => [.. flags, $"--storage.agent.path={data}"]);

    /// <summary>Starts a Prometheus that scrapes nothing, accepts remote write (<c>/api/v1/write</c>) and evaluates the repository's rules.</summary>
    public static Task<PrometheusProcess> StartReceiverAsync(string repositoryConfigPath, TimeSpan evaluationInterval) =>
        StartWithAsync(PrometheusConfiguration.RenderReceiver(repositoryConfigPath, evaluationInterval),
            data => [$"--storage.tsdb.path={data}", "--web.enable-remote-write-receiver"]);

    /// <summary>
    /// Starts a Prometheus server (a TSDB in its directory) on a configuration made for its port (a configuration may
    /// scrape the Prometheus itself), with <paramref name="flags"/>: for configurations rendered from elsewhere than the
    /// repository's <c>prometheus.yml</c>, such as the aggregating scraper's in <c>infra/app/monitor-aggregator.bicep</c>.
    /// </summary>
    public static Task<PrometheusProcess> StartServerAsync(Func<int, string> configuration, IReadOnlyList<string> flags)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return OnFreePortAsync(port => StartOnPortAsync(Executable, port, configuration(port), data => [$"--storage.tsdb.path={data}", .. flags]));
    }

    /// <summary>Starts on a free port, on another when the probed one was taken before Prometheus bound it.</summary>
    private static Task<PrometheusProcess> StartWithAsync(string configuration, Func<string, string[]> storageArguments) =>
        OnFreePortAsync(port => StartOnPortAsync(Executable, port, configuration, storageArguments));

    private static async Task<PrometheusProcess> StartOnPortAsync(string executable, int port, string configuration, Func<string, string[]> storageArguments)
    {
        var directory = Directory.CreateTempSubdirectory("prometheus-test-").FullName;
        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, configuration);
        var prometheus = new PrometheusProcess(executable, port, directory,
        [
            $"--config.file={configPath}",
            .. storageArguments(Path.Combine(directory, "data")),
            $"--web.listen-address=127.0.0.1:{port}",
        ])
        {
            Configuration = configuration,
        };
        try
        {
            await prometheus.WaitUntilReadyAsync(new Uri(prometheus.Url, "/-/ready"), TimeSpan.FromSeconds(60));
            return prometheus;
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// After this Prometheus was killed (<see cref="ExternalProcess.StopAsync"/>: SIGKILL), starts it again as a
    /// container restart on the same disk does: same binary, flags, configuration, port and TSDB (it replays its
    /// write-ahead log). Returns the new process, which owns the directory from now on.
    /// </summary>
    public async Task<PrometheusProcess> RestartAsync()
    {
        if (!HasExited)
        {
            throw new InvalidOperationException("Kill Prometheus (StopAsync) before restarting it.");
        }

        _directoryHandedOver = true;
        var restarted = new PrometheusProcess(_executable, Url.Port, _directory, _arguments) { Configuration = Configuration };
        await restarted.WaitUntilReadyAsync(new Uri(restarted.Url, "/-/ready"), TimeSpan.FromSeconds(60));
        return restarted;
    }

    /// <summary>Runs an instant query (at <paramref name="time"/>, Unix seconds, or now); fails with Prometheus' error.</summary>
    public Task<IReadOnlyList<PromSeries>> QueryAsync(string query, double? time = null) => _query.QueryAsync(query, time);

    /// <summary>GETs an API path (for example <c>/api/v1/rules</c>) and returns its <c>data</c>.</summary>
    public async Task<JsonElement> GetDataAsync(string pathAndQuery)
    {
        var body = await _http.GetStringAsync(new Uri(pathAndQuery, UriKind.Relative));
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("data").Clone();
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _http.Dispose();
        if (_directoryHandedOver)
        {
            return;
        }

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
