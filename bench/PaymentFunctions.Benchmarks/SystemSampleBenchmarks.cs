using AzureFunctions.PrometheusPush;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.SystemMetrics;

namespace PaymentFunctions.Benchmarks;

/// <summary>The timer function's system sample (procfs and cgroups on Linux): time and allocations.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class SystemSampleBenchmarks
{
    private ServiceProvider _services = null!;
    private SystemMetricsSampler _sampler = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddLogging()
            .AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush)
            .AddPaymentFunctions(new ConfigurationBuilder().Build()).BuildServiceProvider();
        _sampler = _services.GetRequiredService<SystemMetricsSampler>();
        _sampler.Sample();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Description = "system sample (memory + per-core CPU)")]
    public int Sample() => _sampler.Sample();
}
