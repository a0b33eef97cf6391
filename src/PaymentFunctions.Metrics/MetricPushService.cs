using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace PaymentFunctions.Metrics;

/// <summary>
/// Starts prometheus-net's <see cref="MetricPusher"/> with the host and stops it (with a final push) when the host stops.
/// Push errors are logged and counted in <c>metric_push_failures_total</c>; they never reach an invocation.
/// </summary>
public sealed partial class MetricPushService(
    PaymentMetrics metrics,
    IOptions<MetricPushOptions> options,
    TimeProvider timeProvider,
    ILogger<MetricPushService> logger) : IHostedService, IDisposable
{
    private MetricPusher? _pusher;
    private HttpClient? _httpClient;

    /// <summary>The URL the registry is pushed to, once started with a Pushgateway configured.</summary>
    public Uri? GroupUrl { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.IsEnabled)
        {
            LogPushDisabled(logger);
            return Task.CompletedTask;
        }

        var instance = GroupingKey.ResolveInstance(settings.Instance, Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID"));
        var endpoint = settings.ParsedUrl!.AbsoluteUri.TrimEnd('/') + "/metrics";
        _httpClient = new HttpClient(new PushTelemetryHandler(metrics, timeProvider) { InnerHandler = new SocketsHttpHandler() })
        {
            Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
        };

        var client = _httpClient;
        _pusher = new MetricPusher(new MetricPusherOptions
        {
            Endpoint = endpoint,
            Job = settings.Job,
            Instance = instance,
            Registry = metrics.Registry,
            IntervalMilliseconds = (long)Math.Max(1, settings.IntervalSeconds * 1000),
            ReplaceOnPush = true,
            HttpClientProvider = () => client,
            OnError = ex => LogPushFailed(logger, ex.GetType().Name, ex.Message),
        });
        GroupUrl = new Uri($"{endpoint}/job/{settings.Job}/instance/{instance}");
        _pusher.Start();
        LogPushStarted(logger, GroupUrl, settings.IntervalSeconds);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_pusher is null)
        {
            return;
        }

        try
        {
            // MetricPusher makes one last push when stopped; do not wait past the host's deadline for it.
            await _pusher.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogFinalPushAbandoned(logger);
        }
    }

    public void Dispose() => _httpClient?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics are not pushed: the app setting MetricPush__Url is empty")]
    private static partial void LogPushDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushing metrics to {GroupUrl} every {IntervalSeconds} s")]
    private static partial void LogPushStarted(ILogger logger, Uri groupUrl, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric push failed: {ErrorType}: {ErrorMessage}")]
    private static partial void LogPushFailed(ILogger logger, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Final metric push abandoned: the host's shutdown deadline passed")]
    private static partial void LogFinalPushAbandoned(ILogger logger);
}
