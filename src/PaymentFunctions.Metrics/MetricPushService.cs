using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

/// <summary>
/// Delivers the registry to the Pushgateway for the lifetime of the host. Pushes happen when an invocation asks for one
/// (<see cref="RequestPush"/>), else every <see cref="MetricPushOptions.IntervalSeconds"/>; requests coalesce, so at
/// most one push is in flight and pushes start at least <see cref="MetricPushOptions.MinIntervalSeconds"/> apart.
/// On stop one final push runs within <see cref="MetricPushOptions.ShutdownPushSeconds"/>; the group is left in place
/// for the janitor. Push failures are logged and counted; they never reach an invocation.
/// <para>
/// A new instance first creates its whole label space at zero (every <see cref="IMetricSeriesInitializer"/>) and pushes at
/// once. Each counter and histogram goes out with its created timestamp, so a scraper with created-timestamp-zero-ingestion
/// stores a 0 before its first value and <c>increase()</c> counts everything the instance records from its first scrape.
/// For a scraper without that feature, <see cref="MetricPushOptions.FirstValuesDelaySeconds"/> holds counters and
/// histograms at 0 for that long after the first push landed, so Prometheus scrapes every series at zero first.
/// The final push always carries the real values.
/// </para>
/// </summary>
public sealed partial class MetricPushService : IHostedService, IDisposable
{
    // Values of _releaseAt besides a timestamp.
    private const long Holding = long.MaxValue;
    private const long Released = long.MinValue;

    private readonly MetricPushClient _client;
    private readonly MetricPushOptions _settings;
    private readonly TimeProvider _timeProvider;
    private readonly PaymentMetrics _metrics;
    private readonly IEnumerable<IMetricSeriesInitializer> _initializers;
    private readonly ILogger<MetricPushService> _logger;
    private readonly HttpClient? _ownHttpClient;
    private readonly HttpClient? _ownDeleteClient;
    private readonly Func<HttpClient> _deleteClient;
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly SemaphoreSlim _pushGate = new(1, 1);
    private readonly PushPacer _pacer;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private long _lastPushStarted;

    // When held values may go out (a timestamp): Holding until a first push lands, Released once the hold is over.
    private long _releaseAt;
    private bool _failing;
    private int _completedPushes;
    private int _disposed;

    /// <param name="httpClientFactory">
    /// Gives the named client <see cref="PushHttp.PushClientName"/> (auth, TLS, push telemetry); without it the service
    /// builds that client itself.
    /// </param>
    public MetricPushService(
        PaymentMetrics metrics,
        IOptions<MetricPushOptions> options,
        TimeProvider timeProvider,
        ILogger<MetricPushService> logger,
        IHttpClientFactory? httpClientFactory = null,
        IEnumerable<IMetricSeriesInitializer>? initializers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _settings = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _initializers = initializers ?? [];
        _releaseAt = _settings.FirstValuesDelaySeconds > 0 ? Holding : Released;
        _logger = logger;
        Func<HttpClient> httpClient;
        if (httpClientFactory is null)
        {
            var own = PushHttp.Configure(new HttpClient(new PushTelemetryHandler(metrics, timeProvider) { InnerHandler = new SocketsHttpHandler() }), _settings, forPush: true);
            _ownHttpClient = own;
            httpClient = () => own;
            var ownDelete = PushHttp.Configure(new HttpClient(), _settings, forPush: false);
            _ownDeleteClient = ownDelete;
            _deleteClient = () => ownDelete;
        }
        else
        {
            httpClient = () => httpClientFactory.CreateClient(PushHttp.PushClientName);
            _deleteClient = () => httpClientFactory.CreateClient(PushHttp.JanitorClientName);
        }

        _client = new MetricPushClient(httpClient, metrics, _settings, timeProvider);
        _pacer = new PushPacer(_settings.EffectiveMinInterval, _settings.EffectiveMaxBackoff, TimeSpan.FromSeconds(_settings.SlowPushSeconds));
    }

    /// <summary>The URL the registry is pushed to, once started with a Pushgateway configured; null when pushing is disabled.</summary>
    public Uri? GroupUrl { get; private set; }

    /// <summary>The <c>instance</c> label of this instance's group, once started with a Pushgateway configured.</summary>
    internal string? Instance { get; private set; }

    /// <summary>The index of the Pushgateway this instance pushes to among the configured shards (0 with one gateway).</summary>
    internal int Shard { get; private set; }

    /// <summary>The least time between two pushes now: the configured minimum, or more while the gateway is overloaded.</summary>
    internal TimeSpan PushInterval => _pacer.Interval;

    /// <summary>Pushes completed since start, successful or not (for tests and diagnostics).</summary>
    public int CompletedPushes => Volatile.Read(ref _completedPushes);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var startedAt = _timeProvider.GetUtcNow();
        _metrics.InstanceStartTime.Set(startedAt.ToUnixTimeMilliseconds() / 1000.0);
        _client.CreationTimes.Started(startedAt);
        foreach (var initializer in _initializers)
        {
            initializer.CreateSeries(_metrics);
        }

        if (!_settings.IsEnabled)
        {
            LogPushDisabled(_logger);
            return Task.CompletedTask;
        }

        var instance = GroupingKey.ResolveInstance(_settings.Instance, Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID"));
        Instance = instance;
        var shards = _settings.ShardUrls;
        Shard = PushShards.Select(instance, shards.Count);
        GroupUrl = GroupingKey.GroupUrl(shards[Shard], _settings.Job, instance);
        _lastPushStarted = _timeProvider.GetTimestamp() - (long)(_settings.EffectiveMinInterval.TotalSeconds * _timeProvider.TimestampFrequency);
        if (_releaseAt == Holding)
        {
            RequestPush(); // The zero push goes out at once: the hold counts from the moment it lands.
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        LogPushStarted(_logger, GroupUrl, Shard + 1, shards.Count, _client.PushesText ? "text" : "protobuf with created timestamps", _settings.IntervalSeconds, _settings.EffectiveMinInterval.TotalSeconds, _settings.FirstValuesDelaySeconds);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Asks for a push soon; returns at once and never throws. Requests made while a push waits or runs coalesce into
    /// the next push, which carries every value recorded before it started.
    /// </summary>
    public void RequestPush() => _requests.Writer.TryWrite(true);

    /// <summary>
    /// Pushes now through the same path (waiting for a push in flight first), and tells whether the push landed.
    /// False when pushing is disabled or not started.
    /// </summary>
    public async Task<bool> PushNowAsync(CancellationToken cancellationToken)
    {
        if (GroupUrl is null)
        {
            return false;
        }

        return await PushOnceAsync(GroupUrl, final: false, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (GroupUrl is not { } groupUrl)
        {
            return;
        }

        // One deadline for stopping the loop and the final push, inside the worker's grace period.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(_settings.ShutdownPushSeconds), _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
            _metrics.PushFinal.Set(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            await PushOnceAsync(groupUrl, final: true, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            LogFinalPushAbandoned(_logger, _settings.ShutdownPushSeconds);
        }
    }

    public void Dispose()
    {
        // The container may dispose this twice: once as itself, once as the hosted service it also is.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _pushGate.Dispose();
        _ownHttpClient?.Dispose();
        _ownDeleteClient?.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var idleInterval = TimeSpan.FromSeconds(_settings.IntervalSeconds);

        // Alongside the pushes, not before them: a shard that does not answer must not delay this instance's zero push.
        var leaving = LeaveOtherShardsAsync(stopping);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                // Back-pressure: while the gateway is overloaded both the idle and the busy pace stretch.
                var minInterval = _pacer.Interval;
                await WaitForRequestAsync(UntilNextPush(idleInterval > minInterval ? idleInterval : minInterval), stopping).ConfigureAwait(false);

                var sinceLast = _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastPushStarted));
                if (sinceLast < minInterval)
                {
                    await Task.Delay(minInterval - sinceLast, _timeProvider, stopping).ConfigureAwait(false);
                }

                // Requests that arrived until now are served by this push; later ones make the next.
                _requests.Reader.TryRead(out _);
                await PushOnceAsync(GroupUrl!, final: false, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: StopAsync makes the final push.
        }

        try
        {
            await leaving.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped while deleting: the janitor expires what is left on the other shards.
        }
    }

    /// <summary>
    /// With several shards, deletes this instance's group from every shard but its own, once at start: should the shard
    /// list change while an instance label lives on, its series never sit in two gateways at once (Prometheus would
    /// scrape them twice under one identity). Best effort: a gateway that does not answer is left to the janitor.
    /// </summary>
    private async Task LeaveOtherShardsAsync(CancellationToken stopping)
    {
        var shards = _settings.ShardUrls;
        for (var i = 0; i < shards.Count; i++)
        {
            if (i == Shard)
            {
                continue;
            }

            var groupUrl = GroupingKey.GroupUrl(shards[i], _settings.Job, Instance!);
            try
            {
                using var response = await _deleteClient().DeleteAsync(groupUrl, stopping).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    LogLeaveShardRejected(_logger, groupUrl, (int)response.StatusCode);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !stopping.IsCancellationRequested))
            {
                LogLeaveShardFailed(_logger, groupUrl, ex.Message);
            }
        }
    }

    /// <summary>The interval, or less when the hold ends sooner: the held values go out as soon as they may.</summary>
    private TimeSpan UntilNextPush(TimeSpan interval)
    {
        var releaseAt = Interlocked.Read(ref _releaseAt);
        if (releaseAt is Holding or Released)
        {
            return interval;
        }

        var untilRelease = TimeSpan.FromSeconds((double)(releaseAt - _timeProvider.GetTimestamp()) / _timeProvider.TimestampFrequency);
        return untilRelease < interval ? (untilRelease > TimeSpan.Zero ? untilRelease : TimeSpan.Zero) : interval;
    }

    private async Task WaitForRequestAsync(TimeSpan interval, CancellationToken stopping)
    {
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(interval, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            await _requests.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // The interval passed without a request: push anyway, so an idle instance's group stays fresh.
        }
    }

    private async Task<bool> PushOnceAsync(Uri groupUrl, bool final, CancellationToken cancellationToken)
    {
        await _pushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = _timeProvider.GetTimestamp();
            Interlocked.Exchange(ref _lastPushStarted, started);
            var hold = !final && IsHolding();
            var outcome = await _client.PushAsync(groupUrl, hold, cancellationToken).ConfigureAwait(false);
            Pace(outcome, _timeProvider.GetElapsedTime(started));
            if (hold && outcome.Success && _releaseAt == Holding)
            {
                // The zero push is in the gateway now; one scrape interval later Prometheus has it.
                Interlocked.Exchange(ref _releaseAt, _timeProvider.GetTimestamp() + (long)(_settings.FirstValuesDelay.TotalSeconds * _timeProvider.TimestampFrequency));
            }

            Report(outcome);
            return outcome.Success;
        }
        finally
        {
            Interlocked.Increment(ref _completedPushes);
            _pushGate.Release();
        }
    }

    private void Pace(PushOutcome outcome, TimeSpan took)
    {
        switch (_pacer.Observe(outcome.Overloaded, took))
        {
            case PaceChange.Stretched:
                LogBackingOff(_logger, GroupUrl!, outcome.Success ? $"a push took {took.TotalSeconds:F2} s" : $"{outcome.Reason}: {outcome.Detail}", _pacer.Interval.TotalSeconds, _settings.EffectiveMaxBackoff.TotalSeconds);
                break;
            case PaceChange.Recovered:
                LogBackOffEnded(_logger, GroupUrl!, _pacer.Interval.TotalSeconds);
                break;
        }
    }

    private bool IsHolding()
    {
        var releaseAt = _releaseAt;
        if (releaseAt == Released)
        {
            return false;
        }

        if (releaseAt != Holding && _timeProvider.GetTimestamp() >= releaseAt)
        {
            Interlocked.Exchange(ref _releaseAt, Released);
            return false;
        }

        return true;
    }

    private void Report(PushOutcome outcome)
    {
        if (outcome.Warning is { } warning)
        {
            LogPushFormatChanged(_logger, GroupUrl!, warning);
        }

        if (outcome.Success)
        {
            if (_failing)
            {
                _failing = false;
                LogPushRecovered(_logger, GroupUrl!);
            }

            return;
        }

        if (!_failing)
        {
            _failing = true;
            LogPushFailing(_logger, GroupUrl!, outcome.Reason!, outcome.Attempts, outcome.Detail!);
        }
        else
        {
            LogPushStillFailing(_logger, outcome.Reason!, outcome.Attempts, outcome.Detail!);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics are not pushed: the app setting MetricPush__Url is empty")]
    private static partial void LogPushDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushing metrics to {GroupUrl} (Pushgateway {Shard} of {Shards}) as {Format} after invocations and every {IntervalSeconds} s, at most once per {MinIntervalSeconds} s; counts go out {FirstValuesDelaySeconds} s after the first push, which carries every series at zero")]
    private static partial void LogPushStarted(ILogger logger, Uri groupUrl, int shard, int shards, string format, double intervalSeconds, double minIntervalSeconds, double firstValuesDelaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric pushes to {GroupUrl}: {Warning}")]
    private static partial void LogPushFormatChanged(ILogger logger, Uri groupUrl, string warning);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not delete this instance's group {GroupUrl} from another Pushgateway shard ({Detail}); the janitor expires it")]
    private static partial void LogLeaveShardFailed(ILogger logger, Uri groupUrl, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not delete this instance's group {GroupUrl} from another Pushgateway shard (HTTP {Status}); the janitor expires it")]
    private static partial void LogLeaveShardRejected(ILogger logger, Uri groupUrl, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric pushes to {GroupUrl} are failing ({Reason} after {Attempts} attempts: {Detail}); values keep accumulating and go out with the next successful push")]
    private static partial void LogPushFailing(ILogger logger, Uri groupUrl, string reason, int attempts, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Metric push failed again ({Reason} after {Attempts} attempts: {Detail})")]
    private static partial void LogPushStillFailing(ILogger logger, string reason, int attempts, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Metric pushes to {GroupUrl} succeed again")]
    private static partial void LogPushRecovered(ILogger logger, Uri groupUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Pushgateway {GroupUrl} is overloaded ({Cause}): pushing at most every {IntervalSeconds} s, stretching up to {MaxSeconds} s while it lasts; values accumulate and none is lost")]
    private static partial void LogBackingOff(ILogger logger, Uri groupUrl, string cause, double intervalSeconds, double maxSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Pushgateway {GroupUrl} keeps up again: pushing at most every {IntervalSeconds} s")]
    private static partial void LogBackOffEnded(ILogger logger, Uri groupUrl, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Final metric push abandoned: the shutdown deadline of {DeadlineSeconds} s passed")]
    private static partial void LogFinalPushAbandoned(ILogger logger, double deadlineSeconds);
}
