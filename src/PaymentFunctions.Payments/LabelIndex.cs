using System.Collections.Frozen;

namespace PaymentFunctions.Payments;

/// <summary>
/// Positions of the allowed values of one label. The parser hands out the configured string instances, so the common
/// case is a reference match over a handful of entries; any equal string is found through a frozen dictionary.
/// </summary>
internal sealed class LabelIndex
{
    private readonly string[] _values;
    private readonly FrozenDictionary<string, int> _positions;

    public LabelIndex(IReadOnlyList<string> values)
    {
        _values = [.. values];
        _positions = _values.Select((value, index) => (value, index)).ToFrozenDictionary(x => x.value, x => x.index, StringComparer.Ordinal);
    }

    public int Count => _values.Length;

    /// <summary>The value's position, or -1 when it is not one of the allowed values.</summary>
    public int IndexOf(string value)
    {
        var values = _values;
        for (var i = 0; i < values.Length; i++)
        {
            if (ReferenceEquals(values[i], value))
            {
                return i;
            }
        }

        return _positions.TryGetValue(value, out var index) ? index : -1;
    }
}
