using Microsoft.Extensions.DependencyInjection;
using PaymentFunctions.SystemMetrics;

namespace PaymentFunctions.Testing;

/// <summary>One scripted reading of the system: memory in bytes and cumulative (busy, total) CPU ticks per core.</summary>
public sealed record ScriptedReading(long UsedBytes, long AvailableBytes, long TotalBytes, IReadOnlyList<(ulong Busy, ulong Total)> Cores);

/// <summary>Replaces the host's procfs/cgroup readings with a script, so the real sampler sets known gauge values.</summary>
public static class ScriptedSystemStats
{
    /// <summary>Registers a source that returns the readings in order (then repeats the last); call before <c>AddSystemMetrics</c>.</summary>
    public static IServiceCollection AddScriptedSystemStats(this IServiceCollection services, params ScriptedReading[] readings)
    {
        ArgumentOutOfRangeException.ThrowIfZero(readings.Length);
        services.AddSingleton<ISystemStatsSource>(new Source(readings));
        return services;
    }

    private sealed class Source(ScriptedReading[] readings) : ISystemStatsSource
    {
        private int _next;

        public SystemStats Read()
        {
            var reading = readings[Math.Min(Interlocked.Increment(ref _next) - 1, readings.Length - 1)];
            return new SystemStats(
                new MemoryStats(reading.UsedBytes, reading.AvailableBytes, reading.TotalBytes),
                reading.Cores.Select((c, i) => new CoreTimes(i, c.Busy, c.Total)).ToList());
        }
    }
}
