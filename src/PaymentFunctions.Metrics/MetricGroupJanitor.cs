using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

/// <summary>
/// The Pushgateway has no TTL: this deletes the groups of this app's job through the Pushgateway API, by the age of
/// their last push (<c>push_time_seconds</c>, the gateway's own clock). A group whose instance stopped gracefully (its
/// final push set <c>metric_push_final_timestamp_seconds</c>) goes <see cref="MetricPushOptions.FinishedGroupRetentionSeconds"/>
/// after that push (<see cref="MetricPushOptions.FailedGroupRetentionSeconds"/> if it counted push failures), once no
/// rule or panel window still holds a change of its values; a silent group (killed, cut off) after
/// <see cref="MetricPushOptions.GroupTtlMinutes"/>. Groups of other jobs and this instance's own group are never
/// touched; live instances push at least every interval, far inside the TTL.
/// With several Pushgateways (shards) every shard is swept: an instance's group lives on the shard it hashes to, and a
/// shard that does not answer does not stop the sweep of the others.
/// </summary>
public sealed partial class MetricGroupJanitor(
    IHttpClientFactory httpClientFactory,
    MetricPushService pusher,
    IOptions<MetricPushOptions> options,
    TimeProvider timeProvider,
    ILogger<MetricGroupJanitor> logger)
{
    /// <summary>Deletes the stale groups of this job; returns how many were deleted. Gateway errors are logged, not thrown.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.IsEnabled)
        {
            return 0;
        }

        var client = httpClientFactory.CreateClient(PushHttp.JanitorClientName);
        var deleted = 0;
        foreach (var baseUrl in settings.ShardUrls)
        {
            deleted += await SweepShardAsync(client, baseUrl, settings, cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    private async Task<int> SweepShardAsync(HttpClient client, Uri baseUrl, MetricPushOptions settings, CancellationToken cancellationToken)
    {
        var ttl = settings.EffectiveGroupTtl;
        var now = timeProvider.GetUtcNow();
        var deleted = 0;
        try
        {
            using var groups = await client.GetFromJsonAsync<JsonDocument>(new Uri(GroupingKey.MetricsEndpoint(baseUrl).Replace("/metrics", "/api/v1/metrics", StringComparison.Ordinal)), cancellationToken).ConfigureAwait(false);
            foreach (var group in groups!.RootElement.GetProperty("data").EnumerateArray())
            {
                var labels = group.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
                if (!labels.TryGetValue("job", out var job) || job != settings.Job || IsOwnGroup(labels))
                {
                    continue;
                }

                var lastPush = DateTimeOffset.UnixEpoch.AddSeconds(PushTimeSeconds(group));
                var age = now - lastPush;
                var finished = AnyPositive(group, PaymentMetrics.PushFinalName);
                var limit = finished ? settings.EffectiveFinishedRetention(AnyPositive(group, PaymentMetrics.PushFailuresName)) : ttl;
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
                    LogDeletedFinished(logger, description, age.TotalSeconds, limit.TotalSeconds);
                }
                else
                {
                    LogDeleted(logger, description, age.TotalMinutes, ttl.TotalMinutes);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                                       || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogSweepFailed(logger, baseUrl, ex.GetType().Name, ex.Message);
        }

        return deleted;
    }

    private bool IsOwnGroup(Dictionary<string, string> labels) =>
        pusher.Instance is { } own && labels.Count == 2 && labels.TryGetValue("instance", out var instance) && instance == own;

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
