namespace AzureFunctions.PrometheusPush;

/// <summary>How pushes are encoded.</summary>
public enum PushFormat
{
    /// <summary>
    /// Delimited protobuf (<c>io.prometheus.client.MetricFamily</c>), every counter, histogram and summary with its
    /// created timestamp: a Prometheus with <c>--enable-feature=created-timestamp-zero-ingestion</c> then counts a new
    /// instance's first values.
    /// </summary>
    Protobuf,

    /// <summary>The text format 0.0.4, for a gateway or scraper that cannot take protobuf; no created timestamps.</summary>
    Text,
}
