namespace PaymentFunctions.SystemMetrics;

/// <summary>Memory of the host, or of the container where a cgroup limit applies, in bytes.</summary>
internal readonly record struct MemoryStats(long UsedBytes, long AvailableBytes, long TotalBytes);

/// <summary>Cumulative CPU time of one core since boot, in clock ticks: busy and total (busy + idle).</summary>
internal readonly record struct CoreTimes(int Core, ulong BusyTicks, ulong TotalTicks);

/// <summary>One reading of the system. A figure the platform cannot give is null, never invented.</summary>
internal sealed record SystemStats(MemoryStats? Memory, IReadOnlyList<CoreTimes>? Cores);

/// <summary>Reads the system's memory and cumulative CPU times.</summary>
internal interface ISystemStatsSource
{
    SystemStats Read();
}
