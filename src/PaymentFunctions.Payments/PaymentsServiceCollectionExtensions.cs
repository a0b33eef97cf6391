using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PaymentFunctions.Metrics;

namespace PaymentFunctions.Payments;

public static class PaymentsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the payment flow (parser, service, simulated gateway and pool) and the metric catalogue it records into.
    /// Settings are validated at start-up.
    /// </summary>
    public static IServiceCollection AddPayments(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPaymentMetrics(configuration);
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
        services.AddSingleton<IMetricSeriesInitializer, PaymentSeriesInitializer>();
        services.TryAddSingleton(sp => new PaymentService(
            sp.GetRequiredService<IPaymentGateway>(),
            sp.GetRequiredService<SimulatedConnectionPool>(),
            sp.GetRequiredService<IPaymentMetricsRecorder>(),
            sp.GetRequiredService<IOptions<PaymentOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PaymentService>>()));
        return services;
    }
}
