using System.Text;

namespace AzureFunctions.PrometheusPush.Internal.Identity;

/// <summary>
/// The Pushgateway's addresses for a base URL, built from parts: the push API (<c>{base}/metrics</c>), a group
/// (<c>.../job/{job}/instance/{instance}</c>) and the listing API (<c>{base}/api/v1/metrics</c>). The base URL may carry a
/// path (a gateway behind a reverse proxy); only what follows it is added.
/// </summary>
internal static class GroupingKey
{
    public static bool IsSafeSegment(string value) => value.Length > 0 && value.All(IsSafeChar);

    /// <summary>The push API root: <c>{base}/metrics</c>.</summary>
    public static string MetricsEndpoint(Uri baseUrl) => Under(baseUrl, "metrics");

    /// <summary>The listing of every group: <c>{base}/api/v1/metrics</c>.</summary>
    public static Uri GroupsEndpoint(Uri baseUrl) => new(Under(baseUrl, "api/v1/metrics"));

    /// <summary>The group URL <c>{base}/metrics/job/{job}/instance/{instance}</c> (both are safe segments).</summary>
    public static Uri GroupUrl(Uri baseUrl, string job, string instance) =>
        new($"{MetricsEndpoint(baseUrl)}/job/{job}/instance/{instance}");

    /// <summary>
    /// The URL of any group, from all its labels: <c>job</c> first, every value base64url-encoded (<c>label@base64/value</c>),
    /// so values with '/' or empty values address the right group.
    /// </summary>
    public static Uri GroupUrl(Uri baseUrl, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var path = new StringBuilder(MetricsEndpoint(baseUrl));
        path.Append("/job@base64/").Append(Base64Url(labels["job"]));
        foreach (var (name, value) in labels.Where(l => l.Key != "job").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            path.Append('/').Append(Uri.EscapeDataString(name)).Append("@base64/").Append(Base64Url(value));
        }

        return new Uri(path.ToString());
    }

    /// <summary><paramref name="value"/> with every character a URL path segment cannot carry as '_'.</summary>
    public static string Sanitize(string value) =>
        string.Create(value.Length, value, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsSafeChar(source[i]) ? source[i] : '_';
            }
        });

    private static string Under(Uri baseUrl, string relative)
    {
        var builder = new UriBuilder(baseUrl) { Query = string.Empty, Fragment = string.Empty };
        builder.Path = builder.Path.TrimEnd('/') + "/" + relative;
        return builder.Uri.AbsoluteUri;
    }

    // The Pushgateway reads '=' as an empty value.
    private static string Base64Url(string value) =>
        value.Length == 0 ? "=" : Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');

    private static bool IsSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
}
