using System.Text;
using AzureFunctions.PrometheusPush;
using BenchmarkDotNet.Attributes;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// One <c>POST /api/payments</c> in-process through the function class and the app's DI, with the simulated gateway's
/// latency and failures at zero, with metrics and with metrics switched off. Target: overhead at most 1 µs and 3 %.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class InvocationBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}""");

    private ServiceProvider _services = null!;
    private PaymentsFunction _function = null!;
    private FunctionContext _context = null!;

    [Params(true, false)]
    public bool Metrics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SimulatedGateway:LatencyScale"] = "0",
            ["SimulatedGateway:FailureRate"] = "0",
            ["SimulatedGateway:PremiumFailureRate"] = "0",
            ["SimulatedGateway:Seed"] = "1",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (!Metrics)
        {
            services.AddSingleton<IPaymentMetricsRecorder, NoMetrics>();
        }

        services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        services.AddPaymentFunctions(configuration);
        _services = services.BuildServiceProvider();
        _function = ActivatorUtilities.CreateInstance<PaymentsFunction>(_services);
        _context = FunctionTestContext.Create(_services, "benchmark");
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Description = "POST /api/payments in-process")]
    public Task Invoke() => _function.ProcessPayment(FunctionTestContext.Post(_context, "https://localhost/api/payments", Body), _context);

    /// <summary>Metrics switched off: the flow reports to nothing.</summary>
    private sealed class NoMetrics : IPaymentMetricsRecorder
    {
        public void SetActiveConnections(int active)
        {
        }

        public void RecordPayment(PaymentRequest request, bool succeeded, double durationSeconds, double amountUsd)
        {
        }

        public void RecordError(string errorType, bool highSeverity)
        {
        }

        public void RecordRejection(string cause)
        {
        }
    }
}
