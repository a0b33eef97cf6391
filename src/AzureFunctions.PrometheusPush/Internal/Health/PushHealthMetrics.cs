using Prometheus;

namespace AzureFunctions.PrometheusPush.Internal.Health;

/// <summary>
/// The library's own metrics, on the pushed registry: how pushes fare (<c>metric_push_*</c>) and when the instance
/// started (<c>process_start_time_seconds</c>). The push-health rules shipped with the package read them.
/// </summary>
internal sealed class PushHealthMetrics
{
    /// <summary>The name of <see cref="Failures"/>, which the janitor reads in a group.</summary>
    public const string FailuresName = "metric_push_failures_total";

    /// <summary>The name of <see cref="Final"/>, which the janitor reads in a group.</summary>
    public const string FinalName = "metric_push_final_timestamp_seconds";

    // No panel or rule reads push latency quantiles: a few buckets around a healthy push and the push timeout.
    private static readonly double[] DurationBuckets = [0.01, 0.05, 0.25, 1];

    public PushHealthMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Failures = ReservedMetric.Declare(FailuresName, name => factory.CreateCounter(name, "Failed pushes of this registry to the Pushgateway, by reason.",
            new CounterConfiguration { LabelNames = ["reason"] }));
        LastSuccess = ReservedMetric.Declare("metric_push_last_success_timestamp_seconds", name => factory.CreateGauge(name, "Unix time of the last successful push to the Pushgateway."));
        Duration = ReservedMetric.Declare("metric_push_duration_seconds", name => factory.CreateHistogram(name, "Duration of pushes to the Pushgateway, in seconds.",
            new HistogramConfiguration { Buckets = DurationBuckets }));
        Final = ReservedMetric.Declare(FinalName, name => factory.CreateGauge(name, "Unix time at which this instance made its final push at shutdown; 0 while it runs."));

        // The standard name and help text: the Pushgateway exports its own process_start_time_seconds and rewrites (and
        // logs) any other help text.
        StartTime = ReservedMetric.Declare("process_start_time_seconds", name => factory.CreateGauge(name, "Start time of the process since unix epoch in seconds."));
    }

    /// <summary>
    /// Failed push attempts by reason (<see cref="FailureReasons"/>): an attempt a retry absorbed counts too. A reason's
    /// series appears with its first failure; its created timestamp lets <c>increase()</c> count that failure.
    /// </summary>
    public Counter Failures { get; }

    public Gauge LastSuccess { get; }

    public Histogram Duration { get; }

    /// <summary>Set by the final push: the rules tell an instance that stopped from one that went silent.</summary>
    public Gauge Final { get; }

    /// <summary>When this instance started (set when its pusher starts): the fleet panels count instances started from it.</summary>
    public Gauge StartTime { get; }
}
