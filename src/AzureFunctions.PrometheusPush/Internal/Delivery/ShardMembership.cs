using AzureFunctions.PrometheusPush.Internal.Identity;
using Microsoft.Extensions.Logging;

namespace AzureFunctions.PrometheusPush.Internal.Delivery;

/// <summary>
/// Which Pushgateway (shard) this instance's group lives on, and its URL: the shard its <c>instance</c> label hashes to
/// (<see cref="PushShards"/>). With several shards, the instance deletes its group from every other shard once at start:
/// should the shard list change while an instance label lives on, its series never sit in two gateways at once
/// (Prometheus would scrape them twice under one identity). Best effort: a gateway that does not answer is left to the
/// janitor.
/// </summary>
internal sealed partial class ShardMembership
{
    private readonly IReadOnlyList<Uri> _shards;
    private readonly string _job;
    private readonly Func<HttpClient> _apiClient;
    private readonly ILogger _logger;

    public ShardMembership(IReadOnlyList<Uri> shards, string job, string instance, Func<HttpClient> apiClient, ILogger logger)
    {
        _shards = shards;
        _job = job;
        _apiClient = apiClient;
        _logger = logger;
        Instance = instance;
        Shard = PushShards.Select(instance, shards.Count);
        GroupUrl = GroupingKey.GroupUrl(shards[Shard], job, instance);
    }

    public string Instance { get; }

    /// <summary>The index of this instance's shard among the configured ones (0 with one gateway).</summary>
    public int Shard { get; }

    public int Shards => _shards.Count;

    /// <summary>The URL this instance pushes its group to.</summary>
    public Uri GroupUrl { get; }

    /// <summary>Deletes this instance's group from every shard but its own (nothing to do with one shard).</summary>
    public async Task LeaveOtherShardsAsync(CancellationToken stopping)
    {
        for (var i = 0; i < _shards.Count; i++)
        {
            if (i == Shard)
            {
                continue;
            }

            var groupUrl = GroupingKey.GroupUrl(_shards[i], _job, Instance);
            try
            {
                using var response = await _apiClient().DeleteAsync(groupUrl, stopping).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not delete this instance's group {GroupUrl} from another Pushgateway shard ({Detail}); the janitor expires it")]
    private static partial void LogLeaveShardFailed(ILogger logger, Uri groupUrl, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not delete this instance's group {GroupUrl} from another Pushgateway shard (HTTP {Status}); the janitor expires it")]
    private static partial void LogLeaveShardRejected(ILogger logger, Uri groupUrl, int status);
}
