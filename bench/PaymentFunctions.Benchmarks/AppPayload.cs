using System.Text;
using AzureFunctions.PrometheusPush;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using Prometheus;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// What one instance of the app pushes, for the measured runs that hold many instances in a gateway: the app's own
/// composition (<c>AddPrometheusPush</c> with <c>ConfigurePush</c>, then <c>AddPaymentFunctions</c>), started so that the
/// series it knows in advance exist at zero, after one payment and two system samples (one CPU series per core of the
/// machine it runs on), exported with the pushed registry's text exposition.
/// </summary>
internal static class AppPayload
{
    public static async Task<string> OneInstanceAsync()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SimulatedGateway:LatencyScale"] = "0",
            ["SimulatedGateway:FailureRate"] = "0",
            ["SimulatedGateway:Seed"] = "1",
        });
        builder.Services.AddLogging();
        builder.Services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        builder.Services.AddPaymentFunctions(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var recorder = host.Services.GetRequiredService<InvocationRecorder>();
        var function = ActivatorUtilities.CreateInstance<PaymentsFunction>(host.Services);
        var context = FunctionTestContext.Create(host.Services, "payload");
        var request = FunctionTestContext.Post(context, "https://localhost/api/payments",
            """{"orderId":"o","userId":"u","amount":50,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}"""u8.ToArray());
        await recorder.RecordAsync(nameof(PaymentsFunction.ProcessPayment), () => function.ProcessPayment(request, context));
        var sampler = host.Services.GetRequiredService<SystemMetricsSampler>();
        sampler.Sample();
        // Apart enough for every core's counters to advance (USER_HZ is 100): a core with no new ticks gets no series,
        // which made the count vary by one between runs. The app samples on a timer, minutes apart.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        sampler.Sample();

        using var text = new MemoryStream();
        await host.Services.GetRequiredService<CollectorRegistry>().CollectAndExportAsTextAsync(text);
        await host.StopAsync();
        return Encoding.UTF8.GetString(text.ToArray());
    }

    /// <summary>Sample lines of a text exposition (every bucket and label set counts once).</summary>
    public static int SeriesCount(string payload) => payload.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
}
