using System.Globalization;

namespace PaymentFunctions.SystemMetrics;

/// <summary>
/// Sets the memory and per-core CPU gauges from a system reading. CPU utilisation needs two readings, so the first
/// sample sets no CPU gauge at all (the seed reported a fake 0 there).
/// </summary>
public sealed class SystemMetricsSampler
{
    private readonly ISystemStatsSource _source;
    private readonly HostMetrics _metrics;
    private readonly Lock _lock = new();
    private Dictionary<int, CoreTimes>? _previous;

    internal SystemMetricsSampler(ISystemStatsSource source, HostMetrics metrics)
    {
        _source = source;
        _metrics = metrics;
    }

    /// <summary>Takes one sample and sets the gauges it can; returns how many CPU cores were reported.</summary>
    public int Sample()
    {
        var stats = _source.Read();
        if (stats.Memory is { } memory)
        {
            _metrics.MemoryUsage.WithLabels("used").Set(memory.UsedBytes);
            _metrics.MemoryUsage.WithLabels("available").Set(memory.AvailableBytes);
            _metrics.MemoryUsage.WithLabels("total").Set(memory.TotalBytes);
        }

        if (stats.Cores is null)
        {
            return 0;
        }

        lock (_lock)
        {
            var reported = 0;
            var current = stats.Cores.ToDictionary(c => c.Core);
            if (_previous is not null)
            {
                foreach (var (core, now) in current)
                {
                    if (_previous.TryGetValue(core, out var before) && Utilisation(before, now) is { } percent)
                    {
                        _metrics.CpuUsage.WithLabels(CoreLabel(core)).Set(percent);
                        reported++;
                    }
                }
            }

            _previous = current;
            return reported;
        }
    }

    /// <summary>Busy share of the time between two readings of a core, in percent; null when no time passed or the counters went back.</summary>
    internal static double? Utilisation(CoreTimes before, CoreTimes now)
    {
        if (now.TotalTicks <= before.TotalTicks || now.BusyTicks < before.BusyTicks)
        {
            return null;
        }

        var busy = (double)(now.BusyTicks - before.BusyTicks);
        var total = (double)(now.TotalTicks - before.TotalTicks);
        return Math.Clamp(busy / total * 100, 0, 100);
    }

    internal static string CoreLabel(int core) => "cpu" + core.ToString(CultureInfo.InvariantCulture);
}
