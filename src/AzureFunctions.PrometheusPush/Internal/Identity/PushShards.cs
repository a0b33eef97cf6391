using System.Text;

namespace AzureFunctions.PrometheusPush.Internal.Identity;

/// <summary>
/// Which of several Pushgateways (shards) an instance pushes to: the 32-bit FNV-1a hash of its <c>instance</c> label
/// (UTF-8) modulo the number of shards. The hash is stable across processes, machines and .NET versions (unlike
/// <see cref="string.GetHashCode()"/>), so an instance always pushes to the same shard, whoever asks. Shards share the
/// load of a fleet evenly enough: instance ids are random strings.
/// </summary>
internal static class PushShards
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>The shard of <paramref name="instance"/> among <paramref name="shardCount"/> shards: 0 to shardCount - 1.</summary>
    public static int Select(string instance, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return shardCount == 1 ? 0 : (int)(Fnv1a(instance) % (uint)shardCount);
    }

    /// <summary>32-bit FNV-1a over the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static uint Fnv1a(string value)
    {
        var hash = OffsetBasis;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(value))
        {
            hash = unchecked((hash ^ b) * Prime);
        }

        return hash;
    }
}
