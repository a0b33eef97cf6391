using Microsoft.Azure.Functions.Worker;
using PaymentFunctions.SystemMetrics;

namespace PaymentFunctions;

/// <summary>Samples memory and per-core CPU into the gauges, on the schedule in the app setting <c>SystemMetricsSchedule</c>.</summary>
public sealed class SystemMetricsFunction(SystemMetricsSampler sampler)
{
    public const string ScheduleSetting = "SystemMetricsSchedule";

    [Function(nameof(SampleSystemMetrics))]
    public void SampleSystemMetrics([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer) => sampler.Sample();
}
