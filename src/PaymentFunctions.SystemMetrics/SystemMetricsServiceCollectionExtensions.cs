using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaymentFunctions.Metrics;

namespace PaymentFunctions.SystemMetrics;

public static class SystemMetricsServiceCollectionExtensions
{
    /// <summary>Registers the system sampler: procfs and cgroups on Linux, the runtime's memory figures elsewhere.</summary>
    public static IServiceCollection AddSystemMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPaymentMetrics(configuration);
        services.TryAddSingleton<ISystemStatsSource>(_ =>
            OperatingSystem.IsLinux() ? new LinuxSystemStatsSource() : new RuntimeSystemStatsSource());
        services.TryAddSingleton(sp => new SystemMetricsSampler(
            sp.GetRequiredService<ISystemStatsSource>(), sp.GetRequiredService<PaymentMetrics>()));
        return services;
    }
}
