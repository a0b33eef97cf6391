using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

/// <summary>Checks the push settings at start-up; every message names the app setting at fault.</summary>
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
