using System.Diagnostics;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Alerting.Tests;

/// <summary>
/// What a deployment runs, at its shipped intervals: a Pushgateway run through deploy/pushgateway/start.sh (as compose and
/// Bicep run it: its groups written on a clean stop and restored after one), a
/// Prometheus on the repository's prometheus.yml and rules scraping and evaluating every 15 s with created-timestamp
/// ingestion, an Alertmanager on the repository's alertmanager.yml, and a webhook listener as its receiver.
/// </summary>
internal sealed class AlertingStack : IAsyncDisposable
{
    /// <summary>The shipped scrape and evaluation interval (deploy/prometheus/prometheus.yml).</summary>
    public static readonly TimeSpan ShippedInterval = TimeSpan.FromSeconds(15);

    private readonly ITestOutputHelper _output;
    private readonly string _directory;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private AlertingStack(ITestOutputHelper output, string directory, PushgatewayProcess gateway, WebhookListener listener, AlertmanagerProcess alertmanager, PrometheusProcess prometheus)
    {
        _output = output;
        _directory = directory;
        Gateway = gateway;
        Listener = listener;
        Alertmanager = alertmanager;
        Prometheus = prometheus;
    }

    public PushgatewayProcess Gateway { get; private set; }

    public WebhookListener Listener { get; }

    public AlertmanagerProcess Alertmanager { get; }

    public PrometheusProcess Prometheus { get; }

    /// <summary>The gateway's scrape target as Prometheus labels it (<c>instance</c> of <c>up</c>).</summary>
    public string GatewayTarget => $"127.0.0.1:{Gateway.Port}";

    /// <summary>Time since the stack started, for the log of what happened when.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    private string PersistenceFile => Path.Combine(_directory, "pushgateway.data");

    public static async Task<AlertingStack> StartAsync(ITestOutputHelper output)
    {
        var directory = Directory.CreateTempSubdirectory("alerting-test-").FullName;
        PushgatewayProcess? gateway = null;
        WebhookListener? listener = null;
        AlertmanagerProcess? alertmanager = null;
        try
        {
            gateway = await PushgatewayProcess.StartAsShippedAsync(Path.Combine(directory, "pushgateway.data"));
            listener = WebhookListener.Start();
            alertmanager = await AlertmanagerProcess.StartAsync(Repository.PathOf("deploy/alertmanager/alertmanager.yml"), listener.Url);
            var prometheus = await PrometheusProcess.StartAsync(
                Repository.PathOf("deploy/prometheus/prometheus.yml"), [$"127.0.0.1:{gateway.Port}"], ShippedInterval, ShippedInterval, alertmanager.Url);
            return new AlertingStack(output, directory, gateway, listener, alertmanager, prometheus);
        }
        catch
        {
            if (alertmanager is not null)
            {
                await alertmanager.DisposeAsync();
            }

            if (listener is not null)
            {
                await listener.DisposeAsync();
            }

            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Writes a line to the test output, stamped with the time since the stack started.</summary>
    public void Log(string what) => _output.WriteLine($"[{Elapsed:mm\\:ss}] {what}");

    /// <summary>Stops the gateway as a container stop does (SIGTERM: it writes its persistence file on the way out).</summary>
    public async Task StopGatewayAsync()
    {
        await Gateway.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        Log("Pushgateway stopped (SIGTERM)");
    }

    /// <summary>Starts the gateway again on its port, from its persistence file, as a restarted container does.</summary>
    public async Task RestartGatewayAsync()
    {
        var port = Gateway.Port;
        await Gateway.DisposeAsync();
        Gateway = await PushgatewayProcess.StartAsShippedAsync(PersistenceFile, port);
        Log("Pushgateway restarted from its persistence file");
    }

    /// <summary>Polls the listener until a notification matches, and returns it; fails after <paramref name="deadline"/>.</summary>
    public async Task<WebhookNotification> NotificationAsync(Func<WebhookNotification, bool> match, TimeSpan deadline, string what)
    {
        WebhookNotification? found = null;
        await Poll.UntilAsync(() => (found = Listener.Notifications.FirstOrDefault(match)) is not null, deadline, what);
        Log($"Notification: {Describe(found!)}");
        return found!;
    }

    /// <summary>
    /// Watches the listener until <paramref name="until"/> (on <see cref="Elapsed"/>) has passed, failing at once when a
    /// notification arrives that <paramref name="expected"/> does not allow. The rules' windows and for: durations run in
    /// real time, so this is how long an unwanted alert would need to show.
    /// </summary>
    public async Task WatchAsync(TimeSpan until, Func<WebhookNotification, bool> expected, string why)
    {
        Log($"Watching the notifications until {until:mm\\:ss}: {why}");
        await Poll.UntilAsync(
            () =>
            {
                var unexpected = Listener.Notifications.FirstOrDefault(n => !expected(n));
                Assert.True(unexpected is null, $"Unexpected notification ({why}): {(unexpected is null ? string.Empty : Describe(unexpected))}\nAll: {string.Join("\n", Listener.Notifications.Select(Describe))}");
                return Elapsed >= until;
            },
            until - Elapsed + TimeSpan.FromMinutes(1),
            $"{until:mm\\:ss} passed");
    }

    public static string Describe(WebhookNotification notification) =>
        $"{notification.ReceivedAt:HH:mm:ss} {notification.Status}: " + string.Join("; ", notification.Alerts.Select(a =>
            $"{a.Status} {{{string.Join(", ", a.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))}}}"));

    public async ValueTask DisposeAsync()
    {
        Log("Notifications received:\n" + string.Join("\n", Listener.Notifications.Select(Describe)));
        await Prometheus.DisposeAsync();
        await Alertmanager.DisposeAsync();
        await Listener.DisposeAsync();
        await Gateway.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
