using Prometheus;

namespace PaymentFunctions.SystemMetrics;

/// <summary>The host's memory and per-core CPU gauges, declared once, on the registry the app pushes.</summary>
public sealed class HostMetrics
{
    public HostMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        MemoryUsage = factory.CreateGauge(
            "memory_usage_bytes",
            "Memory of the host or container, in bytes, by type (used, available, total).",
            new GaugeConfiguration { LabelNames = ["type"] });
        CpuUsage = factory.CreateGauge(
            "cpu_usage_percent",
            "CPU utilisation per core between the last two samples, 0-100.",
            new GaugeConfiguration { LabelNames = ["core"] });
    }

    public Gauge MemoryUsage { get; }

    public Gauge CpuUsage { get; }
}
