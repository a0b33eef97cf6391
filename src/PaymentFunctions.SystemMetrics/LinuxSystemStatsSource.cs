using System.Diagnostics;
using System.Globalization;

namespace PaymentFunctions.SystemMetrics;

/// <summary>
/// Linux figures from procfs, honouring cgroup (v2, then v1) memory limits and the process's CPU affinity:
/// inside a limited container, total is the limit and used is the container's working set.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class LinuxSystemStatsSource(string procRoot = "/proc", string cgroupRoot = "/sys/fs/cgroup") : ISystemStatsSource
{
    public SystemStats Read() => new(ReadMemory(), ReadCores());

    internal MemoryStats? ReadMemory()
    {
        var meminfo = ReadKeyValues(Path.Combine(procRoot, "meminfo"), ':');
        if (!meminfo.TryGetValue("MemTotal", out var totalKb) || !meminfo.TryGetValue("MemAvailable", out var availableKb))
        {
            return null;
        }

        long hostTotal = totalKb * 1024, hostAvailable = availableKb * 1024;
        if (ReadCgroupMemory(hostTotal) is { } container)
        {
            return container;
        }

        return new MemoryStats(hostTotal - hostAvailable, hostAvailable, hostTotal);
    }

    /// <summary>The container's limit and working set (usage less inactive file cache), where a limit below the host's memory is set.</summary>
    private MemoryStats? ReadCgroupMemory(long hostTotal)
    {
        // cgroup v2, then v1.
        var candidates = new (string Limit, string Usage, string Stat, string InactiveKey)[]
        {
            ("memory.max", "memory.current", "memory.stat", "inactive_file"),
            ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes", "memory/memory.stat", "total_inactive_file"),
        };

        foreach (var (limitFile, usageFile, statFile, inactiveKey) in candidates)
        {
            var limit = ReadSingleNumber(Path.Combine(cgroupRoot, limitFile));
            var usage = ReadSingleNumber(Path.Combine(cgroupRoot, usageFile));
            if (limit is not { } total || usage is not { } current || total <= 0 || total >= hostTotal)
            {
                continue;
            }

            var stat = ReadKeyValues(Path.Combine(cgroupRoot, statFile), ' ');
            var inactive = stat.GetValueOrDefault(inactiveKey);
            var used = Math.Clamp(current - inactive, 0, total);
            return new MemoryStats(used, total - used, total);
        }

        return null;
    }

    internal IReadOnlyList<CoreTimes>? ReadCores()
    {
        var path = Path.Combine(procRoot, "stat");
        if (!File.Exists(path))
        {
            return null;
        }

        var allowed = AllowedCores();
        var cores = new List<CoreTimes>();
        foreach (var line in File.ReadLines(path))
        {
            // "cpuN user nice system idle iowait irq softirq steal guest guest_nice"; the aggregate "cpu " line is skipped.
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 9 || !int.TryParse(fields[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var core))
            {
                continue;
            }

            if (allowed is not null && !allowed(core))
            {
                continue;
            }

            ulong total = 0;
            for (var i = 1; i <= 8; i++)
            {
                total += ulong.Parse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture);
            }

            var idle = ulong.Parse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture)
                + ulong.Parse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture);
            cores.Add(new CoreTimes(core, total - idle, total));
        }

        return cores.Count == 0 ? null : cores;
    }

    /// <summary>The cores this process may run on (its affinity, which reflects a container's cpuset), or null when unknown.</summary>
    private static Func<int, bool>? AllowedCores()
    {
        try
        {
            var mask = (ulong)(long)Process.GetCurrentProcess().ProcessorAffinity;
            return core => core >= 64 || (mask & (1UL << core)) != 0;
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static long? ReadSingleNumber(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>Reads "key{separator} value [unit]" lines into a map of the first number on each line.</summary>
    private static Dictionary<string, long> ReadKeyValues(string path, char separator)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        foreach (var line in File.ReadLines(path))
        {
            var at = line.IndexOf(separator, StringComparison.Ordinal);
            if (at <= 0)
            {
                continue;
            }

            var rest = line.AsSpan(at + 1).Trim();
            var end = rest.IndexOf(' ');
            var number = end < 0 ? rest : rest[..end];
            if (long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..at]] = value;
            }
        }

        return values;
    }
}
