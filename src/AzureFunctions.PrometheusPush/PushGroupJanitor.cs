using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AzureFunctions.PrometheusPush.Internal;
using AzureFunctions.PrometheusPush.Internal.Configuration;
using AzureFunctions.PrometheusPush.Internal.Delivery;
using AzureFunctions.PrometheusPush.Internal.Health;
using AzureFunctions.PrometheusPush.Internal.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureFunctions.PrometheusPush;

/// <summary>
/// The Pushgateway keeps a group until someone deletes it: this deletes the stale groups of this app's job, through the
/// Pushgateway's API, by the age of their last push (<c>push_time_seconds</c>, the gateway's own clock). A group whose
/// instance stopped gracefully goes <see cref="GroupJanitorOptions.FinishedGroupRetentionSeconds"/> after its final push
/// (<see cref="GroupJanitorOptions.FailedGroupRetentionSeconds"/> when it counted push failures), once no rule window
/// holds a change of its values; a silent group (killed, cut off) after <see cref="GroupJanitorOptions.GroupTtlMinutes"/>.
/// Groups of other jobs and this instance's own group are never touched. Every shard is swept; one that does not answer
/// does not stop the others. Call <see cref="SweepAsync"/> from a timer function of the app (timer triggers run on one
/// instance at a time).
/// </summary>
public sealed partial class PushGroupJanitor
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly PushgatewayPusher _pusher;
    private readonly PushRegistration _registration;
    private readonly IOptions<PushOptions> _push;
    private readonly IOptions<GroupJanitorOptions> _janitor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PushGroupJanitor> _logger;

    internal PushGroupJanitor(
        IHttpClientFactory httpClientFactory,
        PushgatewayPusher pusher,
        PushRegistration registration,
        IOptions<PushOptions> push,
        IOptions<GroupJanitorOptions> janitor,
        TimeProvider timeProvider,
        ILogger<PushGroupJanitor> logger)
    {
        _httpClientFactory = httpClientFactory;
        _pusher = pusher;
        _registration = registration;
        _push = push;
        _janitor = janitor;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Deletes the stale groups of this job; returns how many were deleted. Gateway errors are logged, not thrown.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var push = _push.Value;
        if (!push.IsEnabled() || push.EffectiveJob(_registration.Environment) is not { } job)
        {
            return 0;
        }

        var client = _httpClientFactory.CreateClient(PushHttp.ApiClientName);
        var deleted = 0;
        foreach (var baseUrl in push.ShardUrls())
        {
            deleted += await SweepShardAsync(client, baseUrl, job, push, cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    private async Task<int> SweepShardAsync(HttpClient client, Uri baseUrl, string job, PushOptions push, CancellationToken cancellationToken)
    {
        var janitor = _janitor.Value;
        var ttl = janitor.EffectiveGroupTtl(push);
        var now = _timeProvider.GetUtcNow();
        var deleted = 0;
        try
        {
            using var groups = await client.GetFromJsonAsync<JsonDocument>(GroupingKey.GroupsEndpoint(baseUrl), cancellationToken).ConfigureAwait(false);
            foreach (var group in groups!.RootElement.GetProperty("data").EnumerateArray())
            {
                var labels = group.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
                if (!labels.TryGetValue("job", out var groupJob) || groupJob != job || IsOwnGroup(labels))
                {
                    continue;
                }

                var age = now - DateTimeOffset.UnixEpoch.AddSeconds(PushTimeSeconds(group));
                var finished = AnyPositive(group, PushHealthMetrics.FinalName);
                var limit = finished ? janitor.EffectiveFinishedRetention(push, AnyPositive(group, PushHealthMetrics.FailuresName)) : ttl;
                if (age <= limit)
                {
                    continue;
                }

                using var response = await client.DeleteAsync(GroupingKey.GroupUrl(baseUrl, labels), cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                deleted++;
                var description = Describe(labels);
                if (finished)
                {
                    LogDeletedFinished(_logger, description, age.TotalSeconds, limit.TotalSeconds);
                }
                else
                {
                    LogDeleted(_logger, description, age.TotalMinutes, ttl.TotalMinutes);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                                       || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogSweepFailed(_logger, baseUrl, ex.GetType().Name, ex.Message);
        }

        return deleted;
    }

    private bool IsOwnGroup(Dictionary<string, string> labels) =>
        _pusher.Instance is { } own && labels.Count == 2 && labels.TryGetValue("instance", out var instance) && instance == own;

    // A group whose pushes all failed has push_time_seconds 0: it is as old as it gets.
    private static double PushTimeSeconds(JsonElement group) =>
        group.TryGetProperty("push_time_seconds", out var pushTime)
            ? double.Parse(pushTime.GetProperty("metrics")[0].GetProperty("value").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
            : 0;

    /// <summary>Whether the group holds the metric <paramref name="name"/> with a value above 0 in any of its series.</summary>
    private static bool AnyPositive(JsonElement group, string name) =>
        group.TryGetProperty(name, out var family)
        && family.TryGetProperty("metrics", out var metrics)
        && metrics.EnumerateArray().Any(m => m.TryGetProperty("value", out var value)
                                              && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0);

    private static string Describe(Dictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted stale metric group {Group}: last pushed {AgeMinutes:F1} min ago, TTL {TtlMinutes} min")]
    private static partial void LogDeleted(ILogger logger, string group, double ageMinutes, double ttlMinutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted finished metric group {Group}: its instance stopped gracefully {AgeSeconds:F0} s ago, retention {RetentionSeconds} s")]
    private static partial void LogDeletedFinished(ILogger logger, string group, double ageSeconds, double retentionSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Metric group janitor could not sweep the Pushgateway {Gateway}: {ErrorType}: {ErrorMessage}")]
    private static partial void LogSweepFailed(ILogger logger, Uri gateway, string errorType, string errorMessage);
}
