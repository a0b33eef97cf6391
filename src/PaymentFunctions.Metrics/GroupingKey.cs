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
