using Prometheus;

namespace PaymentFunctions.Metrics;

/// <summary>
/// The metric catalogue: every metric the app exports, declared once, on one dedicated registry.
/// Names, types, label names and buckets are the contract inherited from the seed tutorial;
/// nobody else spells a metric name.
/// </summary>
public sealed class PaymentMetrics
{
    public const string PaymentService = "payment";

    /// <summary>The name of <see cref="PushFailures"/>, which the janitor reads in a group.</summary>
    internal const string PushFailuresName = "metric_push_failures_total";

    /// <summary>The name of <see cref="PushFinal"/>, which the janitor reads in a group.</summary>
    internal const string PushFinalName = "metric_push_final_timestamp_seconds";

    private static readonly double[] DurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] AmountBuckets = [1, 10, 50, 100, 500, 1000, 5000];
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // No panel or rule reads push latency quantiles: a few buckets around the 50 ms target and the push timeout keep
    // the distribution readable at 4 buckets instead of 11 (7 fewer series on every instance of a fleet).
    private static readonly double[] PushBuckets = [0.01, 0.05, 0.25, 1];

    public PaymentMetrics()
        : this(Prometheus.Metrics.NewCustomRegistry())
    {
    }

    public PaymentMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);

        PaymentRequests = factory.CreateCounter(
            "payment_requests_total",
            "Payment attempts by outcome, gateway and user tier.",
            new CounterConfiguration { LabelNames = ["status", "gateway", "user_tier"] });

        PaymentDuration = factory.CreateHistogram(
            "payment_duration_seconds",
            "Time to process a payment, in seconds.",
            new HistogramConfiguration { LabelNames = ["gateway", "payment_method"], Buckets = DurationBuckets });

        PaymentAmount = factory.CreateHistogram(
            "payment_amount_usd",
            "Payment amounts in US dollars.",
            new HistogramConfiguration { LabelNames = ["currency", "user_tier"], Buckets = AmountBuckets });

        DatabaseConnectionsActive = factory.CreateGauge(
            "database_connections_active",
            "Active database connections in the pool.",
            new GaugeConfiguration { LabelNames = ["database", "pool"] });

        DatabaseConnectionsMax = factory.CreateGauge(
            "database_connections_max",
            "Maximum size of the database connection pool.",
            new GaugeConfiguration { LabelNames = ["database", "pool"] });

        MemoryUsage = factory.CreateGauge(
            "memory_usage_bytes",
            "Memory of the host or container, in bytes, by type (used, available, total).",
            new GaugeConfiguration { LabelNames = ["type"] });

        CpuUsage = factory.CreateGauge(
            "cpu_usage_percent",
            "CPU utilisation per core between the last two samples, 0-100.",
            new GaugeConfiguration { LabelNames = ["core"] });

        Errors = factory.CreateCounter(
            "errors_total",
            "Errors by service, exception type and severity.",
            new CounterConfiguration { LabelNames = ["service", "error_type", "severity"] });

        // The outcome client_error (4xx) is newer than the help text; the help text stays as it was, because a changed help text
        // makes the Pushgateway serve two texts at random while old and new versions push (docs/metric-changes.md).
        FunctionInvocations = factory.CreateCounter(
            "function_invocations_total",
            "Function invocations by function name and outcome (success, failure).",
            new CounterConfiguration { LabelNames = ["function", "outcome"] });

        PaymentRejections = factory.CreateCounter(
            "payment_rejected_requests_total",
            "Payment requests rejected as invalid (HTTP 400) before reaching the gateway, by cause: too_large, malformed_body or the first field at fault.",
            new CounterConfiguration { LabelNames = ["cause"] });

        FunctionDuration = factory.CreateHistogram(
            "function_duration_seconds",
            "Duration of function invocations, in seconds.",
            new HistogramConfiguration { LabelNames = ["function"], Buckets = LatencyBuckets });

        FunctionColdStarts = factory.CreateCounter(
            "function_cold_starts_total",
            "First invocations on a fresh instance (cold starts), by function name.",
            new CounterConfiguration { LabelNames = ["function"] });

        PushFailures = factory.CreateCounter(
            PushFailuresName,
            "Failed pushes of this registry to the Pushgateway, by reason.",
            new CounterConfiguration { LabelNames = ["reason"] });

        PushLastSuccess = factory.CreateGauge(
            "metric_push_last_success_timestamp_seconds",
            "Unix time of the last successful push to the Pushgateway.");

        PushDuration = factory.CreateHistogram(
            "metric_push_duration_seconds",
            "Duration of pushes to the Pushgateway, in seconds.",
            new HistogramConfiguration { Buckets = PushBuckets });

        PushFinal = factory.CreateGauge(
            PushFinalName,
            "Unix time at which this instance made its final push at shutdown; 0 while it runs.");

        // The standard help text: the Pushgateway exports its own process_start_time_seconds and rewrites (and logs) any other.
        InstanceStartTime = factory.CreateGauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.");
    }

    /// <summary>The dedicated registry that holds every metric of the app (never the global default).</summary>
    public CollectorRegistry Registry { get; }

    public Counter PaymentRequests { get; }

    public Histogram PaymentDuration { get; }

    public Histogram PaymentAmount { get; }

    public Gauge DatabaseConnectionsActive { get; }

    public Gauge DatabaseConnectionsMax { get; }

    public Gauge MemoryUsage { get; }

    public Gauge CpuUsage { get; }

    public Counter Errors { get; }

    public Counter FunctionInvocations { get; }

    /// <summary>
    /// One per rejected payment request, by cause from a fixed list (never a value the caller sent): with
    /// <see cref="PaymentRequests"/>, which counts every request that reached the gateway, it gives the share rejected.
    /// </summary>
    public Counter PaymentRejections { get; }

    public Histogram FunctionDuration { get; }

    public Counter FunctionColdStarts { get; }

    public Counter PushFailures { get; }

    public Gauge PushLastSuccess { get; }

    public Histogram PushDuration { get; }

    /// <summary>Set by the final push: the rules tell an instance that stopped from one that went silent.</summary>
    public Gauge PushFinal { get; }

    /// <summary>
    /// When this instance started (set when its pusher starts): the fleet panels count instances started per 10 minutes
    /// from it. The standard name and help text, which the Pushgateway's own metric of that name has too.
    /// </summary>
    public Gauge InstanceStartTime { get; }
}
