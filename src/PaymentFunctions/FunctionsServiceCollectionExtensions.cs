using AzureFunctions.PrometheusPush;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.Payments;
using PaymentFunctions.SystemMetrics;

namespace PaymentFunctions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>The configuration section of the push settings: the app settings <c>MetricPush__Url</c>, <c>MetricPush__Job</c>, ...</summary>
    public const string MetricPushSection = "MetricPush";

    /// <summary>The <c>job</c> label of the app's groups unless <c>MetricPush__Job</c> names another: the rules and tests expect it.</summary>
    public const string DefaultJob = "payment-functions";

    /// <summary>The app's functions: their invocation series exist at zero from start-up.</summary>
    public static readonly string[] Functions =
    [
        nameof(PaymentsFunction.ProcessPayment),
        nameof(SystemMetricsFunction.SampleSystemMetrics),
        nameof(MetricJanitorFunction.ExpireStaleMetricGroups),
    ];

    /// <summary>What the app pushes besides its registry's metrics: the invocation metrics and the payment series at zero.</summary>
    public static void ConfigurePush(PrometheusPushBuilder push)
    {
        ArgumentNullException.ThrowIfNull(push);
        push.UseInvocationMetrics(Functions).CreateSeries(PaymentsServiceCollectionExtensions.CreatePaymentSeries);
    }

    /// <summary>Everything the functions use: the payment flow and the system sampler, and the app's default job.</summary>
    public static IServiceCollection AddPaymentFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPayments(configuration);
        services.AddSystemMetrics();
        services.PostConfigure<PushOptions>(options => options.Job = string.IsNullOrWhiteSpace(options.Job) ? DefaultJob : options.Job);
        return services;
    }
}
