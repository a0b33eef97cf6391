using AzureFunctions.PrometheusPush.Internal;
using AzureFunctions.PrometheusPush.Internal.Configuration;
using AzureFunctions.PrometheusPush.Internal.Delivery;
using AzureFunctions.PrometheusPush.Internal.Health;
using AzureFunctions.PrometheusPush.Internal.Identity;
using AzureFunctions.PrometheusPush.Internal.Scheduling;
using AzureFunctions.PrometheusPush.Internal.Startup;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureFunctions.PrometheusPush;

/// <summary>
/// Pushes the registry to this instance's group on the Pushgateway for the lifetime of the host: when an invocation asks
/// (<see cref="RequestPush"/>, which the invocation middleware calls), else every <see cref="PushOptions.IntervalSeconds"/>;
/// requests coalesce, so at most one push is in flight and pushes start at least <see cref="PushOptions.MinIntervalSeconds"/>
/// apart. On stop one final push runs within <see cref="PushOptions.ShutdownPushSeconds"/>; the group is left for the
/// janitor. Push failures are logged and counted, never thrown into an invocation. Registered by
/// <see cref="PrometheusPushExtensions"/>; resolve it to push from code that runs outside an invocation.
/// </summary>
public sealed partial class PushgatewayPusher : IHostedService, IDisposable
{
    private readonly PushRegistration _registration;
    private readonly IServiceProvider _services;
    private readonly PushHealthMetrics _health;
    private readonly PushOptions _settings;
    private readonly PushSection _section;
    private readonly FunctionsEnvironment _environment;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PushgatewayPusher> _logger;
    private readonly OwnedHttpClients? _ownClients;
    private readonly Func<HttpClient> _apiClient;
    private readonly PushClient _client;
    private readonly PushPacer _pacer;
    private readonly FirstValuesHold _hold;
    private readonly PushSchedule _schedule;
    private readonly DateTimeOffset _startedAt;
    private readonly SemaphoreSlim _pushGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private ShardMembership? _membership;
    private IDisposable? _meters;
    private Task _loop = Task.CompletedTask;
    private bool _failing;
    private int _completedPushes;
    private int _disposed;

    internal PushgatewayPusher(
        PushRegistration registration,
        IServiceProvider services,
        PushHealthMetrics health,
        IOptions<PushOptions> options,
        TimeProvider timeProvider,
        ILogger<PushgatewayPusher> logger,
        IHttpClientFactory? httpClientFactory = null)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(options);
        _registration = registration;
        _services = services;
        _health = health;
        _settings = options.Value;
        _section = registration.Section;
        _environment = registration.Environment;
        _timeProvider = timeProvider;
        _logger = logger;
        _startedAt = timeProvider.GetUtcNow();
        Func<HttpClient> pushClient;
        if (httpClientFactory is null)
        {
            _ownClients = new OwnedHttpClients(_settings, health, timeProvider);
            pushClient = () => _ownClients.Push;
            _apiClient = () => _ownClients.Api;
        }
        else
        {
            pushClient = () => httpClientFactory.CreateClient(PushHttp.PushClientName);
            _apiClient = () => httpClientFactory.CreateClient(PushHttp.ApiClientName);
        }

        _client = new PushClient(pushClient, health, registration.Registry.CollectAndExportAsTextAsync, _settings, timeProvider, _startedAt);
        _pacer = new PushPacer(_settings.EffectiveMinInterval(), _settings.EffectiveMaxBackoff(), TimeSpan.FromSeconds(_settings.SlowPushSeconds));
        _hold = new FirstValuesHold(TimeSpan.FromSeconds(_settings.FirstValuesDelaySeconds), timeProvider);
        _schedule = new PushSchedule(TimeSpan.FromSeconds(_settings.IntervalSeconds), _pacer, _hold, timeProvider);
    }

    /// <summary>The URL this instance's group is pushed to, once started with a Pushgateway configured; else null.</summary>
    public Uri? GroupUrl => _membership?.GroupUrl;

    /// <summary>The <c>instance</c> label of this instance's group, once started with a Pushgateway configured; else null.</summary>
    public string? Instance => _membership?.Instance;

    /// <summary>The index of the Pushgateway this instance pushes to among the configured shards (0 with one gateway).</summary>
    internal int Shard => _membership?.Shard ?? 0;

    /// <summary>The least time between two pushes now: the configured minimum, or more while the gateway is overloaded.</summary>
    internal TimeSpan PushInterval => _pacer.Interval;

    /// <summary>Pushes completed since start, successful or not.</summary>
    internal int CompletedPushes => Volatile.Read(ref _completedPushes);

    /// <summary>The push client (for tests).</summary>
    internal PushClient Client => _client;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _health.StartTime.Set(_startedAt.ToUnixTimeMilliseconds() / 1000.0);
        _meters = _registration.StartMeters();
        _registration.CreateSeries(_services);
        await UnpushedMetrics.WarnAsync(_registration.Registry, _registration.UnpushedRegistry, _logger, cancellationToken).ConfigureAwait(false);
        if (!_settings.IsEnabled())
        {
            LogPushDisabled(_logger, _section.Setting("Url"));
            return;
        }

        var instance = InstanceIdentity.Resolve(_settings.Instance, _environment, Environment.MachineName, Environment.ProcessId);
        _membership = new ShardMembership(_settings.ShardUrls(), _settings.EffectiveJob(_environment)!, instance, _apiClient, _logger);
        if (_hold.WaitingForFirstPush)
        {
            RequestPush(); // The zero push goes out at once: the hold counts from the moment it lands.
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        var format = _client.PushesText ? "text" : "protobuf with created timestamps";
        var minInterval = _settings.EffectiveMinInterval().TotalSeconds;
        LogPushStarted(_logger, _membership.GroupUrl, _membership.Shard + 1, _membership.Shards, format, _settings.IntervalSeconds, minInterval, _settings.FirstValuesDelaySeconds);
    }

    /// <summary>
    /// Asks for a push soon; returns at once and never throws. Requests made while a push waits or runs coalesce into the
    /// next push, which carries every value recorded before it started.
    /// </summary>
    public void RequestPush() => _schedule.Request();

    /// <summary>
    /// Pushes now through the same path (after a push in flight), and tells whether the push landed. False when pushing
    /// is disabled or not started.
    /// </summary>
    public async Task<bool> PushNowAsync(CancellationToken cancellationToken)
    {
        if (GroupUrl is not { } groupUrl)
        {
            return false;
        }

        return await PushOnceAsync(groupUrl, final: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
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
            _health.Final.Set(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            await PushOnceAsync(groupUrl, final: true, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            LogFinalPushAbandoned(_logger, _settings.ShutdownPushSeconds);
        }
    }

    /// <inheritdoc />
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
        _meters?.Dispose();
        _ownClients?.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        // Alongside the pushes, not before them: a shard that does not answer must not delay this instance's zero push.
        var leaving = _membership!.LeaveOtherShardsAsync(stopping);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await _schedule.WaitAsync(stopping).ConfigureAwait(false);
                await PushOnceAsync(_membership.GroupUrl, final: false, stopping).ConfigureAwait(false);
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

    private async Task<bool> PushOnceAsync(Uri groupUrl, bool final, CancellationToken cancellationToken)
    {
        await _pushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = _timeProvider.GetTimestamp();
            _schedule.Started();
            var hold = !final && _hold.Holding();
            var outcome = await _client.PushAsync(groupUrl, hold, cancellationToken).ConfigureAwait(false);
            Pace(outcome, _timeProvider.GetElapsedTime(started));
            if (hold && outcome.Success)
            {
                _hold.Landed();
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
                LogBackingOff(_logger, GroupUrl!, outcome.Success ? $"a push took {took.TotalSeconds:F2} s" : $"{outcome.Reason}: {outcome.Detail}",
                    _pacer.Interval.TotalSeconds, _settings.EffectiveMaxBackoff().TotalSeconds);
                break;
            case PaceChange.Recovered:
                LogBackOffEnded(_logger, GroupUrl!, _pacer.Interval.TotalSeconds);
                break;
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics are not pushed: the app setting {Setting} is empty")]
    private static partial void LogPushDisabled(ILogger logger, string setting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushing metrics to {GroupUrl} (Pushgateway {Shard} of {Shards}) as {Format} after invocations and every {IntervalSeconds} s, at most once per {MinIntervalSeconds} s; counts go out {FirstValuesDelaySeconds} s after the first push, which carries every series at zero")]
    private static partial void LogPushStarted(ILogger logger, Uri groupUrl, int shard, int shards, string format, double intervalSeconds, double minIntervalSeconds, double firstValuesDelaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric pushes to {GroupUrl}: {Warning}")]
    private static partial void LogPushFormatChanged(ILogger logger, Uri groupUrl, string warning);

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
