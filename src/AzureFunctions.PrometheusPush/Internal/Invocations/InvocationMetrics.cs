using AzureFunctions.PrometheusPush.Internal.Health;
using Prometheus;

namespace AzureFunctions.PrometheusPush.Internal.Invocations;

/// <summary>
/// The invocation metrics (<see cref="PrometheusPushBuilder.UseInvocationMetrics"/>): invocations by function and outcome,
/// their duration, and cold starts, on the pushed registry.
/// </summary>
internal sealed class InvocationMetrics
{
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public InvocationMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);

        // The help text is older than the outcome client_error; it stays as it is, because a changed help text makes the
        // Pushgateway serve two texts at random while old and new versions of an app push.
        Invocations = ReservedMetric.Declare("function_invocations_total", name => factory.CreateCounter(name, "Function invocations by function name and outcome (success, failure).",
            new CounterConfiguration { LabelNames = ["function", "outcome"] }));
        Duration = ReservedMetric.Declare("function_duration_seconds", name => factory.CreateHistogram(name, "Duration of function invocations, in seconds.",
            new HistogramConfiguration { LabelNames = ["function"], Buckets = DurationBuckets }));
        ColdStarts = ReservedMetric.Declare("function_cold_starts_total", name => factory.CreateCounter(name, "First invocations on a fresh instance (cold starts), by function name.",
            new CounterConfiguration { LabelNames = ["function"] }));
    }

    public Counter Invocations { get; }

    public Histogram Duration { get; }

    public Counter ColdStarts { get; }

    /// <summary>Creates every series of <paramref name="functions"/> at zero: each outcome, the duration and the cold start.</summary>
    public void CreateSeries(IEnumerable<string> functions)
    {
        foreach (var function in functions)
        {
            foreach (var outcome in InvocationOutcome.All)
            {
                Invocations.WithLabels(function, outcome);
            }

            Duration.WithLabels(function);
            ColdStarts.WithLabels(function);
        }
    }
}
