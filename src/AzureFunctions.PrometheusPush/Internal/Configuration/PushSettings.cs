namespace AzureFunctions.PrometheusPush.Internal.Configuration;

/// <summary>What the push and janitor settings mean once validated: the values in force, derived in one place.</summary>
internal static class PushSettings
{
    /// <summary>Whether a Pushgateway is configured at all.</summary>
    public static bool IsEnabled(this PushOptions options) => !string.IsNullOrWhiteSpace(options.Url);

    /// <summary>The entries of <see cref="PushOptions.Url"/>, trimmed, in order (empty entries kept, for the validator to name).</summary>
    public static IReadOnlyList<string> UrlEntries(this PushOptions options) =>
        string.IsNullOrWhiteSpace(options.Url) ? [] : options.Url.Split(',', StringSplitOptions.TrimEntries);

    /// <summary>The Pushgateway base URLs, one per shard, in the configured order (valid once the options are validated).</summary>
    public static IReadOnlyList<Uri> ShardUrls(this PushOptions options) => [.. options.UrlEntries().Select(e => new Uri(e, UriKind.Absolute))];

    public static bool HasCredentials(this PushOptions options) => !string.IsNullOrEmpty(options.Username);

    /// <summary>The job in force: the configured one, else the Function App's name.</summary>
    public static string? EffectiveJob(this PushOptions options, FunctionsEnvironment environment) =>
        string.IsNullOrWhiteSpace(options.Job) ? environment.SiteName : options.Job.Trim();

    /// <summary>The minimum interval in force: never longer than the interval itself.</summary>
    public static TimeSpan EffectiveMinInterval(this PushOptions options) =>
        TimeSpan.FromSeconds(Math.Min(options.MinIntervalSeconds, options.IntervalSeconds));

    /// <summary>The longest stretched interval: never below the minimum interval.</summary>
    public static TimeSpan EffectiveMaxBackoff(this PushOptions options) =>
        TimeSpan.FromSeconds(Math.Max(options.MaxBackoffSeconds, options.EffectiveMinInterval().TotalSeconds));

    /// <summary>The TTL in force: at least three push intervals, so a live (idle) instance is never expired.</summary>
    public static TimeSpan EffectiveGroupTtl(this GroupJanitorOptions janitor, PushOptions push) =>
        TimeSpan.FromSeconds(Math.Max(janitor.GroupTtlMinutes * 60, 3 * push.IntervalSeconds));

    /// <summary>How long a finished group is kept: never longer than the TTL of a silent one.</summary>
    public static TimeSpan EffectiveFinishedRetention(this GroupJanitorOptions janitor, PushOptions push, bool countedFailures) =>
        TimeSpan.FromSeconds(Math.Min(
            countedFailures ? Math.Max(janitor.FailedGroupRetentionSeconds, janitor.FinishedGroupRetentionSeconds) : janitor.FinishedGroupRetentionSeconds,
            janitor.EffectiveGroupTtl(push).TotalSeconds));
}
