using System.Text;

namespace PaymentFunctions.Metrics;

/// <summary>The Pushgateway grouping key of this instance: <c>job</c> and <c>instance</c>.</summary>
internal static class GroupingKey
{
    /// <summary>
    /// The instance label: the configured one, else the Functions host's <c>WEBSITE_INSTANCE_ID</c>,
    /// else machine name and process id. Characters a URL path segment cannot carry become '_'.
    /// </summary>
    public static string ResolveInstance(string? configured, string? websiteInstanceId)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var raw = string.IsNullOrWhiteSpace(websiteInstanceId)
            ? $"{Environment.MachineName}-{Environment.ProcessId}"
            : websiteInstanceId;
        return Sanitize(raw);
    }

    public static bool IsSafeSegment(string value) => value.All(IsSafeChar);

    /// <summary>The Pushgateway API root of a base URL: <c>{base}/metrics</c>.</summary>
    public static string MetricsEndpoint(Uri baseUrl) => baseUrl.AbsoluteUri.TrimEnd('/') + "/metrics";

    /// <summary>The group URL <c>{base}/metrics/job/{job}/instance/{instance}</c> (both are safe segments).</summary>
    public static Uri GroupUrl(Uri baseUrl, string job, string instance) =>
        new($"{MetricsEndpoint(baseUrl)}/job/{job}/instance/{instance}");

    /// <summary>
    /// The URL of any group, from all its labels: <c>job</c> first, every value base64url-encoded (<c>label@base64/value</c>),
    /// so values with '/' or empty values address the right group.
    /// </summary>
    public static Uri GroupUrl(Uri baseUrl, IReadOnlyDictionary<string, string> labels)
    {
        var path = new StringBuilder(MetricsEndpoint(baseUrl));
        path.Append("/job@base64/").Append(Base64Url(labels["job"]));
        foreach (var (name, value) in labels.Where(l => l.Key != "job").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            path.Append('/').Append(Uri.EscapeDataString(name)).Append("@base64/").Append(Base64Url(value));
        }

        return new Uri(path.ToString());
    }

    // The Pushgateway reads '=' as an empty value.
    private static string Base64Url(string value) =>
        value.Length == 0 ? "=" : Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');

    private static string Sanitize(string value) =>
        string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsSafeChar(source[i]) ? source[i] : '_';
            }
        });

    private static bool IsSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
}
