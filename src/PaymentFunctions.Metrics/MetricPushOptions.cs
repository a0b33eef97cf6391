namespace PaymentFunctions.Metrics;

/// <summary>
/// Where and how the registry is pushed. Bound from the configuration section <c>MetricPush</c>
/// (app settings <c>MetricPush__Url</c>, <c>MetricPush__IntervalSeconds</c>, ...).
/// </summary>
public sealed class MetricPushOptions
{
    public const string SectionName = "MetricPush";

    /// <summary>Base URL of the Pushgateway, for example <c>http://127.0.0.1:9091</c>. Empty: metrics are not pushed.</summary>
    public string? Url { get; set; }

    /// <summary>The <c>job</c> label of the pushed group.</summary>
    public string Job { get; set; } = "payment-functions";

    /// <summary>
    /// The <c>instance</c> label of the pushed group. Empty: <c>WEBSITE_INSTANCE_ID</c>, else machine name and process id.
    /// </summary>
    public string? Instance { get; set; }

    /// <summary>Seconds between two pushes.</summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Seconds a single push may take before it counts as failed.</summary>
    public double TimeoutSeconds { get; set; } = 3;

    internal Uri? ParsedUrl => Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri : null;

    internal bool IsEnabled => !string.IsNullOrWhiteSpace(Url);
}
