using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace PaymentFunctions.Payments;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the payment flow (parser, service, simulated gateway and pool) and its metrics, on the registry the app
    /// pushes (the <see cref="CollectorRegistry"/> in the container). Settings are validated at start-up.
    /// </summary>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PaymentMetrics(sp.GetRequiredService<CollectorRegistry>()));
        services.AddOptions<PaymentOptions>()
            .Bind(configuration.GetSection(PaymentOptions.SectionName))
            .ValidateOnStart();
        services.AddOptions<SimulatedGatewayOptions>()
            .Bind(configuration.GetSection(SimulatedGatewayOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentOptions>, PaymentOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SimulatedGatewayOptions>, SimulatedGatewayOptionsValidator>());
        services.TryAddSingleton<IPaymentGateway, SimulatedPaymentGateway>();
        services.TryAddSingleton<SimulatedConnectionPool>();
        services.TryAddSingleton<PaymentRequestParser>();
        services.TryAddSingleton<IPaymentMetricsRecorder, PaymentMetricsRecorder>();
        services.TryAddSingleton<PaymentSeriesInitializer>();
        services.TryAddSingleton(sp => new PaymentService(
            sp.GetRequiredService<IPaymentGateway>(),
            sp.GetRequiredService<SimulatedConnectionPool>(),
            sp.GetRequiredService<IPaymentMetricsRecorder>(),
            sp.GetRequiredService<IOptions<PaymentOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PaymentService>>()));
        return services;
    }

    /// <summary>
    /// Creates the payment metrics' whole label space at zero, from the configured allow-lists, and publishes the pool's
    /// baseline: give it to the push registration (<c>PrometheusPushBuilder.CreateSeries</c>).
    /// </summary>
    public static void CreatePaymentSeries(IServiceProvider services) =>
        services.GetRequiredService<PaymentSeriesInitializer>().CreateSeries();
}
