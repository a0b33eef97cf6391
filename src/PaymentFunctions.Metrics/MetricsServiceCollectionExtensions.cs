using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Metrics;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the metric catalogue on its own registry, the pusher that delivers it to the Pushgateway with the
    /// host's lifetime, the invocation recorder and the stale-group janitor. Push settings are validated at start-up.
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

        // Request logging is off: it would log every push, and the URL is all it could add.
        services.AddHttpClient(PushHttp.PushClientName)
            .ConfigureHttpClient((sp, client) => PushHttp.Configure(client, sp.GetRequiredService<IOptions<MetricPushOptions>>().Value, forPush: true))
            .AddHttpMessageHandler(sp => new PushTelemetryHandler(sp.GetRequiredService<PaymentMetrics>(), sp.GetRequiredService<TimeProvider>()))
            .RemoveAllLoggers();
        services.AddHttpClient(PushHttp.JanitorClientName)
            .ConfigureHttpClient((sp, client) => PushHttp.Configure(client, sp.GetRequiredService<IOptions<MetricPushOptions>>().Value, forPush: false))
            .RemoveAllLoggers();

        services.TryAddSingleton<MetricPushService>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricPushService>());
        services.TryAddSingleton<FunctionInvocationRecorder>();
        services.TryAddSingleton<MetricGroupJanitor>();
        return services;
    }

    /// <summary>
    /// Names the app's functions, so their invocation series exist at zero from start-up (before the first push), not
    /// only from their first invocation.
    /// </summary>
    public static IServiceCollection AddFunctionSeries(this IServiceCollection services, params string[] functionNames)
    {
        ArgumentNullException.ThrowIfNull(functionNames);
        services.AddSingleton<IMetricSeriesInitializer>(new FunctionSeriesInitializer([.. functionNames]));
        return services;
    }
}
