using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

/// <summary>Checks the push settings at start-up; every message names the app setting at fault and never echoes a secret.</summary>
internal sealed class MetricPushOptionsValidator : IValidateOptions<MetricPushOptions>
{
    private const string Prefix = MetricPushOptions.SectionName + "__";

    /// <summary>More shards than this is a misconfiguration rather than a fleet (one gateway carries 750 busy instances).</summary>
    internal const int MaxShards = 16;

    public ValidateOptionsResult Validate(string? name, MetricPushOptions options)
    {
        var failures = new List<string>();
        if (options.IsEnabled)
        {
            var entries = options.UrlEntries;
            for (var i = 0; i < entries.Count; i++)
            {
                // Several Pushgateways (shards): every message says which entry is at fault.
                var setting = entries.Count == 1 ? $"{Prefix}Url" : $"{Prefix}Url (entry {i + 1} of {entries.Count})";
                var failure = ValidateUrl(entries[i], setting, options.HasCredentials);
                if (failure is not null)
                {
                    failures.Add(failure);
                }
            }

            if (entries.Count > MaxShards)
            {
                failures.Add($"{Prefix}Url lists {entries.Count} Pushgateways: at most {MaxShards} shards are supported.");
            }

            var valid = entries.Where(e => Uri.TryCreate(e, UriKind.Absolute, out _)).Select(e => new Uri(e).AbsoluteUri.TrimEnd('/')).ToList();
            if (valid.Distinct(StringComparer.OrdinalIgnoreCase).Count() != valid.Count)
            {
                failures.Add($"{Prefix}Url lists the same Pushgateway twice: every shard must be another gateway.");
            }
        }

        if (options.HasCredentials != !string.IsNullOrEmpty(options.Password))
        {
            failures.Add($"{Prefix}Username and {Prefix}Password must be set together (or both left empty).");
        }

        if (options.HasCredentials && options.Username!.Contains(':', StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}Username must not contain ':'.");
        }

        if (string.IsNullOrWhiteSpace(options.Job) || !GroupingKey.IsSafeSegment(options.Job))
        {
            failures.Add($"{Prefix}Job must be a non-empty name of letters, digits, '_', '-' or '.'.");
        }

        if (!string.IsNullOrEmpty(options.Instance) && !GroupingKey.IsSafeSegment(options.Instance))
        {
            failures.Add($"{Prefix}Instance must consist of letters, digits, '_', '-' or '.'.");
        }

        if (!(options.IntervalSeconds is > 0 and <= 3600))
        {
            failures.Add($"{Prefix}IntervalSeconds must be a number of seconds between 0 and 3600.");
        }

        if (!(options.TimeoutSeconds is > 0 and <= 60))
        {
            failures.Add($"{Prefix}TimeoutSeconds must be a number of seconds between 0 and 60.");
        }

        if (!(options.MinIntervalSeconds is >= 0 and <= 3600))
        {
            failures.Add($"{Prefix}MinIntervalSeconds must be a number of seconds between 0 and 3600.");
        }

        if (!(options.FirstValuesDelaySeconds is >= 0 and <= 3600))
        {
            failures.Add($"{Prefix}FirstValuesDelaySeconds must be a number of seconds between 0 and 3600 (0, the default, turns the hold off; for a scraper without created timestamps at least its scrape interval).");
        }

        if (!string.Equals(options.Format, MetricPushOptions.ProtobufFormat, StringComparison.OrdinalIgnoreCase) && !options.PushesText)
        {
            failures.Add($"{Prefix}Format must be '{MetricPushOptions.ProtobufFormat}' (the default: created timestamps) or '{MetricPushOptions.TextFormat}'.");
        }

        if (!(options.SlowPushSeconds is > 0 and <= 60))
        {
            failures.Add($"{Prefix}SlowPushSeconds must be a number of seconds between 0 and 60 (a push slower than this backs the instance off).");
        }

        if (!(options.MaxBackoffSeconds is >= 0 and <= 3600))
        {
            failures.Add($"{Prefix}MaxBackoffSeconds must be a number of seconds between 0 and 3600 (at most 15, half the rules' freshness window, keeps a backing-off instance on the live panels).");
        }

        if (options.MaxRetryAttempts is < 0 or > 10)
        {
            failures.Add($"{Prefix}MaxRetryAttempts must be a whole number between 0 and 10.");
        }

        if (!(options.RetryDelaySeconds is > 0 and <= 60))
        {
            failures.Add($"{Prefix}RetryDelaySeconds must be a number of seconds between 0 and 60.");
        }

        if (!(options.ShutdownPushSeconds is > 0 and < 5))
        {
            failures.Add($"{Prefix}ShutdownPushSeconds must be a number of seconds above 0 and below 5 (the worker's shutdown grace period).");
        }

        if (!(options.GroupTtlMinutes is > 0 and <= 10080))
        {
            failures.Add($"{Prefix}GroupTtlMinutes must be a number of minutes between 0 and 10080.");
        }

        if (!(options.FinishedGroupRetentionSeconds is >= 0 and <= 604800))
        {
            failures.Add($"{Prefix}FinishedGroupRetentionSeconds must be a number of seconds between 0 and 604800 (at least the longest rate() window of the rules plus two scrape intervals keeps every query exact).");
        }

        if (!(options.FailedGroupRetentionSeconds is >= 0 and <= 604800))
        {
            failures.Add($"{Prefix}FailedGroupRetentionSeconds must be a number of seconds between 0 and 604800.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? ValidateUrl(string entry, string setting, bool hasCredentials)
    {
        if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            // The value itself is not echoed: a URL can carry credentials.
            return $"{setting} must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"{setting} must not contain credentials.";
        }

        return hasCredentials && uri.Scheme != Uri.UriSchemeHttps
            ? $"{setting} must be an https:// URL when {Prefix}Username is set: basic auth is never sent in clear text."
            : null;
    }
}
