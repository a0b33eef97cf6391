using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace PaymentFunctions.SystemMetrics;

public static class SystemMetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the system sampler (procfs and cgroups on Linux, the runtime's memory figures elsewhere) and its gauges,
    /// on the registry the app pushes (the <see cref="CollectorRegistry"/> in the container).
    /// </summary>
    public static IServiceCollection AddSystemMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new HostMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.TryAddSingleton<ISystemStatsSource>(_ =>
            OperatingSystem.IsLinux() ? new LinuxSystemStatsSource() : new RuntimeSystemStatsSource());
        services.TryAddSingleton(sp => new SystemMetricsSampler(
            sp.GetRequiredService<ISystemStatsSource>(), sp.GetRequiredService<HostMetrics>()));
        return services;
    }
}
