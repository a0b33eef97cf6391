namespace PaymentFunctions.SystemMetrics;

/// <summary>
/// Where procfs is missing (Windows plans, macOS workstations): only the memory the runtime knows of, which honours
/// container limits. Used and per-core CPU figures are left out rather than faked.
/// </summary>
internal sealed class RuntimeSystemStatsSource : ISystemStatsSource
{
    public SystemStats Read()
    {
        var info = GC.GetGCMemoryInfo();
        var total = info.TotalAvailableMemoryBytes;
        var used = info.MemoryLoadBytes;
        return new SystemStats(total > 0 && used > 0 ? new MemoryStats(used, Math.Max(0, total - used), total) : null, null);
    }
}
