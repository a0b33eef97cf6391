using Prometheus;

namespace PaymentFunctions.Payments;

/// <summary>
/// The payment flow's metrics, declared once, on the registry the app pushes. Names, types, label names and buckets are
/// the contract inherited from the seed tutorial; nobody else spells these metric names.
/// </summary>
public sealed class PaymentMetrics
{
    public const string PaymentService = "payment";

    private static readonly double[] DurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] AmountBuckets = [1, 10, 50, 100, 500, 1000, 5000];

    public PaymentMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
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

        Errors = factory.CreateCounter(
            "errors_total",
            "Errors by service, exception type and severity.",
            new CounterConfiguration { LabelNames = ["service", "error_type", "severity"] });

        PaymentRejections = factory.CreateCounter(
            "payment_rejected_requests_total",
            "Payment requests rejected as invalid (HTTP 400) before reaching the gateway, by cause: too_large, malformed_body or the first field at fault.",
            new CounterConfiguration { LabelNames = ["cause"] });
    }

    public Counter PaymentRequests { get; }

    public Histogram PaymentDuration { get; }

    public Histogram PaymentAmount { get; }

    public Gauge DatabaseConnectionsActive { get; }

    public Gauge DatabaseConnectionsMax { get; }

    public Counter Errors { get; }

    /// <summary>
    /// One per rejected payment request, by cause from a fixed list (never a value the caller sent): with
    /// <see cref="PaymentRequests"/>, which counts every request that reached the gateway, it gives the share rejected.
    /// </summary>
    public Counter PaymentRejections { get; }
}
