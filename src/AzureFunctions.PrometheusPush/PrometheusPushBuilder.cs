using Prometheus;

namespace AzureFunctions.PrometheusPush;

/// <summary>What to push, given to the <c>configure</c> callback of <see cref="PrometheusPushExtensions"/>.</summary>
public sealed class PrometheusPushBuilder
{
    private readonly List<Action<IServiceProvider>> _seriesCallbacks = [];
    private readonly List<string> _meters = [];

    internal PrometheusPushBuilder()
    {
    }

    /// <summary>
    /// The registry that is pushed. By default a new, dedicated one, so nothing the app did not declare on it is pushed
    /// (prometheus-net's default registry also carries the runtime's event counters and meters, and every series is paid
    /// by every instance of a fleet). It is registered in the container as <see cref="CollectorRegistry"/>: declare the
    /// app's metrics on it (<c>Metrics.WithCustomRegistry(registry)</c>).
    /// </summary>
    public CollectorRegistry Registry { get; set; } = Prometheus.Metrics.NewCustomRegistry();

    /// <summary>The registry whose app metrics get the start-up warning: prometheus-net's default one; tests give their own.</summary>
    internal CollectorRegistry UnpushedRegistry { get; set; } = Prometheus.Metrics.DefaultRegistry;

    internal IReadOnlyList<string>? InvocationFunctions { get; private set; }

    internal IReadOnlyList<Action<IServiceProvider>> SeriesCallbacks => _seriesCallbacks;

    internal IReadOnlyList<string> Meters => _meters;

    /// <summary>
    /// Records every invocation through worker middleware: <c>function_invocations_total{function,outcome}</c> (outcome
    /// <c>success</c>, <c>client_error</c> for an HTTP 4xx answer, <c>failure</c> for a 5xx or an exception, under the
    /// worker's HTTP model and the ASP.NET Core integration alike), <c>function_duration_seconds{function}</c> and
    /// <c>function_cold_starts_total{function}</c>; each invocation then asks for a push. The series of
    /// <paramref name="functionNames"/> are created at zero at start-up, so a new instance's first invocations count.
    /// </summary>
    public PrometheusPushBuilder UseInvocationMetrics(params string[] functionNames)
    {
        ArgumentNullException.ThrowIfNull(functionNames);
        InvocationFunctions = [.. InvocationFunctions ?? [], .. functionNames];
        return this;
    }

    /// <summary>
    /// Runs <paramref name="createAtZero"/> at start-up, before the first push, to create the app's known label sets at
    /// zero (<c>counter.WithLabels(...)</c> without incrementing): <c>rate()</c> and <c>increase()</c> cannot see the rise
    /// from nothing to a series' first sample, and a fleet of short-lived instances is made of such first samples.
    /// </summary>
    public PrometheusPushBuilder CreateSeries(Action<IServiceProvider> createAtZero)
    {
        ArgumentNullException.ThrowIfNull(createAtZero);
        _seriesCallbacks.Add(createAtZero);
        return this;
    }

    /// <summary>
    /// Pushes the instruments of the named <c>System.Diagnostics.Metrics</c> meters too (prometheus-net's meter adapter
    /// publishes them into <see cref="Registry"/>). Every instrument and label set is a series on every instance of the
    /// fleet: name only the meters the dashboards read.
    /// </summary>
    public PrometheusPushBuilder PushMeters(params string[] meterNames)
    {
        ArgumentNullException.ThrowIfNull(meterNames);
        _meters.AddRange(meterNames);
        return this;
    }
}
