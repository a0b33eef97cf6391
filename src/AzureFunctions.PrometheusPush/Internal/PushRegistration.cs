using AzureFunctions.PrometheusPush.Internal.Configuration;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace AzureFunctions.PrometheusPush.Internal;

/// <summary>What one registration asked for (<see cref="PrometheusPushBuilder"/>), kept in the container for the pusher.</summary>
internal sealed class PushRegistration(
    CollectorRegistry registry,
    PushSection section,
    FunctionsEnvironment environment,
    IReadOnlyList<string>? invocationFunctions,
    IReadOnlyList<Action<IServiceProvider>> seriesCallbacks,
    IReadOnlyList<string> meters)
{
    public CollectorRegistry Registry { get; } = registry;

    /// <summary>The registry that is not pushed and whose app metrics are named in a start-up warning.</summary>
    public CollectorRegistry UnpushedRegistry { get; init; } = Prometheus.Metrics.DefaultRegistry;

    public PushSection Section { get; } = section;

    public FunctionsEnvironment Environment { get; } = environment;

    /// <summary>The functions whose invocation series are created at zero; null when invocation metrics are off.</summary>
    public IReadOnlyList<string>? InvocationFunctions { get; } = invocationFunctions;

    /// <summary>Creates every series the app knows at zero, before the first push: the app's callbacks, then the library's.</summary>
    public void CreateSeries(IServiceProvider services)
    {
        foreach (var callback in seriesCallbacks)
        {
            callback(services);
        }

        if (InvocationFunctions is { } functions)
        {
            services.GetRequiredService<InvocationMetrics>().CreateSeries(functions);
        }
    }

    /// <summary>Starts publishing the named meters' instruments into the pushed registry; null when none were named.</summary>
    public IDisposable? StartMeters() =>
        meters.Count == 0
            ? null
            : MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = Registry,
                // The adapter creates its metrics through MetricFactory, which defaults to the default registry's factory
                // and then ignores Registry; without this the meters' series would never reach the pushed registry.
                MetricFactory = Prometheus.Metrics.WithCustomRegistry(Registry),
                InstrumentFilterPredicate = instrument => meters.Contains(instrument.Meter.Name, StringComparer.Ordinal),
            });
}
