namespace PaymentFunctions.Testing;

/// <summary>A real <c>prometheus-pushgateway</c> on a free 127.0.0.1 port.</summary>
public sealed class PushgatewayProcess : ExternalProcess
{
    private PushgatewayProcess(int port, IEnumerable<string> arguments, string scheme = "http", string? executable = null)
        : base(executable ?? Executable, arguments)
    {
        Url = new Uri($"{scheme}://127.0.0.1:{port}");
        Port = port;
    }

    /// <summary>Through <c>deploy/pushgateway/start.sh</c>, which runs the shipped binary named by <c>PUSHGATEWAY</c>.</summary>
    private PushgatewayProcess(int port, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
        : base("sh", arguments, environment, Tools.RepositoryRoot)
    {
        Url = new Uri($"http://127.0.0.1:{port}");
        Port = port;
    }

    /// <summary>The port it listens on (to restart a gateway in place).</summary>
    public int Port { get; }

    /// <summary>The shipped binary, version-checked: <c>PUSHGATEWAY_BIN</c>, else <c>.tools/sid</c> (<see cref="Tools.Shipped"/>).</summary>
    public static string Executable => Tools.Shipped("prometheus-pushgateway");

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri Url { get; }

    /// <summary>Starts a gateway on a free port and waits until it is ready. Extra arguments go to the gateway as they are.</summary>
    public static Task<PushgatewayProcess> StartAsync(params string[] extraArguments) =>
        OnFreePortAsync(port => StartAsync(port, extraArguments));

    /// <summary>
    /// Starts the machine's own Debian 12 Pushgateway 1.5.1 (checked to be 1.5 by <see cref="Tools.Debian12"/>), as a
    /// user's older gateway: it predates created timestamps, yet serves a pushed one back to a protobuf scrape, as a
    /// field it keeps without knowing it. Only the test of that asks for it.
    /// </summary>
    public static Task<PushgatewayProcess> StartDebian12Async(params string[] extraArguments) =>
        OnFreePortAsync(port => StartOnPortAsync(Tools.Debian12("prometheus-pushgateway"), port, extraArguments));

    /// <summary>
    /// Starts a gateway as compose and Bicep run it: through <c>deploy/pushgateway/start.sh</c>, which persists to
    /// <paramref name="store"/> only on a clean stop and discards the file after any other end, on
    /// <paramref name="port"/> (0: a free one; the port of a stopped gateway restarts it in place), without the
    /// consistency check unless <paramref name="extraArguments"/> name it. A SIGKILL (<see cref="ExternalProcess.StopAsync"/>)
    /// kills the script and the gateway, as a crashed container ends both; <see cref="ExternalProcess.StopGracefullyAsync"/>
    /// stops it as a container stop does.
    /// </summary>
    public static Task<PushgatewayProcess> StartAsShippedAsync(string store, int port = 0, params string[] extraArguments) =>
        port == 0
            ? OnFreePortAsync(free => StartAsShippedOnPortAsync(store, free, extraArguments))
            : StartAsShippedOnPortAsync(store, port, extraArguments);

    private static async Task<PushgatewayProcess> StartAsShippedOnPortAsync(string store, int port, string[] extraArguments)
    {
        List<string> arguments = [Path.Combine(Tools.RepositoryRoot, "deploy", "pushgateway", "start.sh"), store, $"--web.listen-address=127.0.0.1:{port}"];
        if (!extraArguments.Any(a => a is DisableConsistencyCheck or EnableConsistencyCheck))
        {
            arguments.Add(DisableConsistencyCheck);
        }

        var gateway = new PushgatewayProcess(port, [.. arguments, .. extraArguments], new Dictionary<string, string?> { ["PUSHGATEWAY"] = Executable });
        try
        {
            await gateway.WaitUntilReadyAsync(new Uri(gateway.Url, "/-/ready"), TimeSpan.FromSeconds(30));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a gateway on a given port (to restart one in place) and waits until it is ready.</summary>
    public static Task<PushgatewayProcess> StartAsync(int port, params string[] extraArguments) => StartOnPortAsync(null, port, extraArguments);

    private static async Task<PushgatewayProcess> StartOnPortAsync(string? executable, int port, string[] extraArguments)
    {
        var gateway = new PushgatewayProcess(port, Arguments(port, extraArguments), executable: executable);
        try
        {
            await gateway.WaitUntilReadyAsync(new Uri(gateway.Url, "/-/ready"), TimeSpan.FromSeconds(30));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a gateway with <c>--web.config.file</c> (TLS and/or basic auth): served on https, readiness polled with
    /// <paramref name="client"/> (which trusts the test certificate and carries the credentials).
    /// </summary>
    public static Task<PushgatewayProcess> StartSecuredAsync(string webConfigFile, Func<HttpClient> client, params string[] extraArguments) =>
        OnFreePortAsync(port => StartSecuredAsync(port, webConfigFile, client, extraArguments));

    private static async Task<PushgatewayProcess> StartSecuredAsync(int port, string webConfigFile, Func<HttpClient> client, string[] extraArguments)
    {
        var gateway = new PushgatewayProcess(port, Arguments(port, [$"--web.config.file={webConfigFile}", .. extraArguments]), "https");
        try
        {
            await gateway.WaitUntilReadyAsync(new Uri(gateway.Url, "/-/ready"), TimeSpan.FromSeconds(30), client);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>The flag every shipped gateway runs with (compose, Bicep, demo): pushes are not checked against the gateway's content.</summary>
    public const string DisableConsistencyCheck = "--push.disable-consistency-check";

    /// <summary>Asks for the gateway's default per-push consistency check (the flag cannot be given twice).</summary>
    public const string EnableConsistencyCheck = "--no-push.disable-consistency-check";

    /// <summary>
    /// The listen address, then the defaults the caller did not name, then the caller's arguments. Debian's build
    /// persists to a machine-wide file by default (/var/lib/prometheus/pushgateway.data): unless the caller names a
    /// persistence file, persistence is off, so no test sees another's groups. The consistency check is off as
    /// shipped unless the caller names the flag either way (<see cref="EnableConsistencyCheck"/>).
    /// </summary>
    private static string[] Arguments(int port, string[] extraArguments)
    {
        List<string> arguments = [$"--web.listen-address=127.0.0.1:{port}"];
        if (!extraArguments.Any(a => a.StartsWith("--persistence.file", StringComparison.Ordinal)))
        {
            arguments.Add("--persistence.file=");
        }

        if (!extraArguments.Any(a => a is DisableConsistencyCheck or EnableConsistencyCheck))
        {
            arguments.Add(DisableConsistencyCheck);
        }

        return [.. arguments, .. extraArguments];
    }

    /// <summary>The job of the marker groups <see cref="FlushAsync"/> pushes; <see cref="ScrapeAsync"/> leaves them out.</summary>
    public const string MarkerJob = "test-flush-marker";

    /// <summary>
    /// Everything the gateway serves on <c>/metrics</c>, parsed, once every push it accepted before this call is applied
    /// (<see cref="FlushAsync"/>); the flush's marker groups are left out.
    /// </summary>
    public async Task<PrometheusText> ScrapeAsync() => PrometheusText.Parse(WithoutMarkers((await ScrapeTextAsync()).Body));

    /// <summary>The status and raw body of <c>/metrics</c>, after <see cref="FlushAsync"/> (markers not removed).</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body)> ScrapeTextAsync()
    {
        await FlushAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(Url, "/metrics"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Returns once the gateway has applied every push, replace and delete it accepted before this call. Without the
    /// consistency check (as shipped) the gateway answers 202 before its write loop applies a request; that loop applies
    /// requests in order, so once a marker group pushed now shows in <c>/api/v1/metrics</c> (which answers even when
    /// <c>/metrics</c> fails), everything accepted earlier is in too. The marker is deleted again.
    /// </summary>
    public async Task FlushAsync()
    {
        var marker = new Uri(Url, $"/metrics/job/{MarkerJob}/instance/{Guid.NewGuid():N}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using (var content = new StringContent("test_flush_marker 1\n", System.Text.Encoding.UTF8, "text/plain"))
        using (var pushed = await http.PutAsync(marker, content))
        {
            pushed.EnsureSuccessStatusCode();
        }

        var instance = marker.Segments[^1];
        await Poll.UntilAsync(
            async () => (await http.GetStringAsync(new Uri(Url, "/api/v1/metrics"))).Contains($"\"{instance}\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            "the gateway applied the pushes it accepted");
        using var deleted = await http.DeleteAsync(marker);
        deleted.EnsureSuccessStatusCode();
    }

    private static string WithoutMarkers(string exposition) =>
        string.Join('\n', exposition.Split('\n').Where(line =>
            !line.Contains($"job=\"{MarkerJob}\"", StringComparison.Ordinal) && !line.Contains("test_flush_marker", StringComparison.Ordinal)));

    /// <summary>
    /// Scrapes until the condition holds and returns that scrape; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> (with the last scrape) once the deadline passes.
    /// </summary>
    public async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> condition, TimeSpan deadline, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var text = await ScrapeAsync();
            if (condition(text))
            {
                return text;
            }

            if (stopwatch.Elapsed > deadline)
            {
                var last = string.Join('\n', text.Samples.Take(40).Select(s => $"{s.Name}{{{string.Join(",", s.Labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}} {s.Value}"));
                throw new TimeoutException($"Timed out after {deadline} scraping {Url} until {what}. Last scrape (first 40 samples):\n{last}");
            }

            await Task.Delay(50);
        }
    }
}
