using System.Globalization;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Reads a mode's arguments one at a time. Every mistake (an unknown option, a missing or malformed value) is an
/// <see cref="ArgumentException"/> whose message is the one line the mode prints before exiting 2 (<see cref="BenchMode"/>).
/// </summary>
internal sealed class ArgumentReader(IReadOnlyList<string> args)
{
    private int _next;
    private string _current = string.Empty;

    /// <summary>The next argument, or null after the last.</summary>
    public string? Next() => _next < args.Count ? _current = args[_next++] : null;

    /// <summary>The value of the option just read.</summary>
    public string Value() => _next < args.Count ? args[_next++] : throw new ArgumentException($"{_current} needs a value");

    /// <summary>The value of the option just read, a whole number of at least <paramref name="atLeast"/>.</summary>
    public int Count(int atLeast = 1) => ParseCount(_current, Value(), atLeast);

    /// <summary>The value of the option just read, comma-separated whole numbers of at least 1.</summary>
    public IReadOnlyList<int> Counts()
    {
        var value = Value();
        var counts = value.Split(',').Select(v => TryParseCount(v, 1)).ToList();
        return counts.All(c => c is not null)
            ? [.. counts.Select(c => c!.Value)]
            : throw new ArgumentException($"{_current} '{value}': expected whole numbers of at least 1, comma-separated");
    }

    /// <summary>The value of the option just read, seconds greater than 0 (or 0 too, with <paramref name="orZero"/>).</summary>
    public double Seconds(bool orZero = false)
    {
        var value = Value();
        return TryParseSeconds(value, orZero) ?? throw new ArgumentException($"{_current} '{value}': expected {(orZero ? "0 or more" : "a positive number of")} seconds");
    }

    /// <summary>The argument just read, as a mistake: an option the mode does not know, or an argument it takes none of.</summary>
    public ArgumentException Unexpected() =>
        new(IsOption(_current) ? $"unknown option '{_current}'" : $"unexpected argument '{_current}'");

    /// <summary>The argument just read, a count called <paramref name="name"/>: a mistake when it is an option or malformed.</summary>
    public int Positional(string name) => IsOption(_current) ? throw Unexpected() : ParseCount(name, _current, 1);

    /// <summary>A mode's only argument, an optional count called <paramref name="name"/> (<c>latency [invocations]</c>).</summary>
    public int SingleCount(string name, int fallback)
    {
        var count = (int?)null;
        while (Next() is not null)
        {
            count = count is null ? Positional(name) : throw Unexpected();
        }

        return count ?? fallback;
    }

    /// <summary><paramref name="value"/> as a whole number of at least <paramref name="atLeast"/>, named <paramref name="name"/> in the mistake.</summary>
    public static int ParseCount(string name, string value, int atLeast) =>
        TryParseCount(value, atLeast) ?? throw new ArgumentException($"{name} '{value}': expected a whole number of at least {atLeast}");

    /// <summary><paramref name="value"/> as seconds: finite, greater than 0 (or 0 too, with <paramref name="orZero"/>); null otherwise.</summary>
    public static double? TryParseSeconds(string value, bool orZero = false) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s) && (s > 0 || (orZero && s >= 0))
            ? s
            : null;

    private static int? TryParseCount(string value, int atLeast) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= atLeast ? n : null;

    /// <summary>Options start with a dash; a negative number (<c>-5</c>) is a malformed value, not an option.</summary>
    private static bool IsOption(string arg) => arg.Length > 1 && arg[0] == '-' && !char.IsAsciiDigit(arg[1]);
}
