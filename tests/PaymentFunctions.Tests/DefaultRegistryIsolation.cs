using System.Runtime.CompilerServices;
using Prometheus;

namespace PaymentFunctions.Tests;

/// <summary>
/// prometheus-net's default registry is global to the test process and, by default, publishes every meter of the process;
/// a test's meter there would then be named in the start-up warning of every pusher in every other test. The tests turn
/// that off before anything touches the default registry, and give a registry of their own where the warning is tested.
/// </summary>
internal static class DefaultRegistryIsolation
{
    [ModuleInitializer]
    internal static void SuppressMetersOnTheDefaultRegistry() =>
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true, SuppressEventCounters = true });
}
