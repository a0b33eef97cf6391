using AzureFunctions.PrometheusPush.Internal.Identity;
using Microsoft.Extensions.Options;

namespace AzureFunctions.PrometheusPush.Internal.Configuration;

/// <summary>
/// Checks the push settings at start-up: every message names the setting at fault as an app setting of the section the
/// caller bound (<see cref="PushSection"/>), and never echoes a value (a URL or a password can be a secret).
/// </summary>
internal sealed class PushOptionsValidator(PushSection section, FunctionsEnvironment environment) : IValidateOptions<PushOptions>
{
    /// <summary>More shards than this is a misconfiguration rather than a fleet.</summary>
    internal const int MaxShards = 16;

    public ValidateOptionsResult Validate(string? name, PushOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var job = options.EffectiveJob(environment);
        if (options.IsEnabled())
        {
            ValidateUrls(options, failures);
            if (job is null)
            {
                failures.Add($"{section.Setting("Job")} is empty and WEBSITE_SITE_NAME (the Function App's name) is not set: name the job of this app's groups.");
            }
        }

        if (job is not null && !GroupingKey.IsSafeSegment(job))
        {
            failures.Add($"{section.Setting("Job")} must be a name of letters, digits, '_', '-' or '.'.");
        }

        if (options.HasCredentials() != !string.IsNullOrEmpty(options.Password))
        {
            failures.Add($"{section.Setting("Username")} and {section.Setting("Password")} must be set together (or both left empty).");
        }

        if (options.HasCredentials() && options.Username!.Contains(':', StringComparison.Ordinal))
        {
            failures.Add($"{section.Setting("Username")} must not contain ':'.");
        }

        if (!string.IsNullOrEmpty(options.Instance) && !GroupingKey.IsSafeSegment(options.Instance))
        {
            failures.Add($"{section.Setting("Instance")} must consist of letters, digits, '_', '-' or '.'.");
        }

        Range(failures, "IntervalSeconds", options.IntervalSeconds, 0, false, 3600, "a number of seconds between 0 and 3600");
        Range(failures, "MinIntervalSeconds", options.MinIntervalSeconds, 0, true, 3600, "a number of seconds between 0 and 3600");
        Range(failures, "TimeoutSeconds", options.TimeoutSeconds, 0, false, 60, "a number of seconds between 0 and 60");
        Range(failures, "FirstValuesDelaySeconds", options.FirstValuesDelaySeconds, 0, true, 3600,
            "a number of seconds between 0 and 3600 (0, the default, turns the hold off; for a scraper without created timestamps at least its scrape interval)");
        Range(failures, "SlowPushSeconds", options.SlowPushSeconds, 0, false, 60, "a number of seconds between 0 and 60 (a push slower than this backs the instance off)");
        Range(failures, "MaxBackoffSeconds", options.MaxBackoffSeconds, 0, true, 3600,
            "a number of seconds between 0 and 3600 (at most half the rules' freshness window keeps a backing-off instance on the live panels)");
        Range(failures, "RetryDelaySeconds", options.RetryDelaySeconds, 0, false, 60, "a number of seconds between 0 and 60");
        Range(failures, "ShutdownPushSeconds", options.ShutdownPushSeconds, 0, false, 4.999, "a number of seconds above 0 and below 5 (the worker's shutdown grace period)");
        if (options.MaxRetryAttempts is < 0 or > 10)
        {
            failures.Add($"{section.Setting("MaxRetryAttempts")} must be a whole number between 0 and 10.");
        }

        if (!Enum.IsDefined(options.Format))
        {
            failures.Add($"{section.Setting("Format")} must be 'protobuf' (the default: created timestamps) or 'text'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateUrls(PushOptions options, List<string> failures)
    {
        var entries = options.UrlEntries();
        for (var i = 0; i < entries.Count; i++)
        {
            // Several Pushgateways (shards): every message says which entry is at fault.
            var setting = entries.Count == 1 ? section.Setting("Url") : $"{section.Setting("Url")} (entry {i + 1} of {entries.Count})";
            if (ValidateUrl(entries[i], setting, options.HasCredentials()) is { } failure)
            {
                failures.Add(failure);
            }
        }

        if (entries.Count > MaxShards)
        {
            failures.Add($"{section.Setting("Url")} lists {entries.Count} Pushgateways: at most {MaxShards} shards are supported.");
        }

        var valid = entries.Where(e => Uri.TryCreate(e, UriKind.Absolute, out _)).Select(e => new Uri(e).AbsoluteUri.TrimEnd('/')).ToList();
        if (valid.Distinct(StringComparer.OrdinalIgnoreCase).Count() != valid.Count)
        {
            failures.Add($"{section.Setting("Url")} lists the same Pushgateway twice: every shard must be another gateway.");
        }
    }

    private string? ValidateUrl(string entry, string setting, bool hasCredentials)
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

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return $"{setting} must not have a query or a fragment: the group's path is added to it.";
        }

        return hasCredentials && uri.Scheme != Uri.UriSchemeHttps
            ? $"{setting} must be an https:// URL when {section.Setting("Username")} is set: basic auth is never sent in clear text."
            : null;
    }

    private void Range(List<string> failures, string key, double value, double low, bool lowIncluded, double high, string what)
    {
        if (double.IsNaN(value) || (lowIncluded ? value < low : value <= low) || value > high)
        {
            failures.Add($"{section.Setting(key)} must be {what}.");
        }
    }
}
