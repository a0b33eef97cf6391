using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

/// <summary>Checks the push settings at start-up; every message names the app setting at fault and never echoes a secret.</summary>
internal sealed class MetricPushOptionsValidator : IValidateOptions<MetricPushOptions>
{
    private const string Prefix = MetricPushOptions.SectionName + "__";

    public ValidateOptionsResult Validate(string? name, MetricPushOptions options)
    {
        var failures = new List<string>();
        if (options.IsEnabled)
        {
            var uri = options.ParsedUrl;
            if (uri is null || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                // The value itself is not echoed: a URL can carry credentials.
                failures.Add($"{Prefix}Url must be an absolute http:// or https:// URL of the Pushgateway (or empty to disable pushing).");
            }
            else if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                failures.Add($"{Prefix}Url must not contain credentials.");
            }
            else if (options.HasCredentials && uri.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add($"{Prefix}Url must be an https:// URL when {Prefix}Username is set: basic auth is never sent in clear text.");
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
            failures.Add($"{Prefix}FirstValuesDelaySeconds must be a number of seconds between 0 and 3600 (at least Prometheus' scrape interval; 0 turns the hold off).");
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
