using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.Metrics;
using PaymentFunctions.Payments;
using PaymentFunctions.SystemMetrics;

namespace PaymentFunctions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>Everything the functions use: the payment flow, the system sampler, the metric catalogue and its pusher.</summary>
    public static IServiceCollection AddPaymentFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPayments(configuration);
        services.AddSystemMetrics(configuration);
        services.AddFunctionSeries(
            nameof(PaymentsFunction.ProcessPayment),
            nameof(SystemMetricsFunction.SampleSystemMetrics),
            nameof(MetricJanitorFunction.ExpireStaleMetricGroups));
        return services;
    }
}
