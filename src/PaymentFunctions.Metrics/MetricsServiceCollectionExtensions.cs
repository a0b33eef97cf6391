using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the metric catalogue on its own registry and the pusher that sends it to the Pushgateway
    /// with the host's lifetime. Push settings are validated at start-up.
    /// </summary>
    public static IServiceCollection AddPaymentMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(MetricPushService)))
        {
            return services; // Already registered by another part of the app.
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PaymentMetrics>();
        services.AddOptions<MetricPushOptions>()
            .Bind(configuration.GetSection(MetricPushOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MetricPushOptions>, MetricPushOptionsValidator>());
        services.TryAddSingleton<MetricPushService>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricPushService>());
        return services;
    }
}
