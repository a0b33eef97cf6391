using System.Globalization;

namespace PaymentFunctions.LoadGenerator;

/// <summary>Durations as people type them: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, or plain seconds (<c>30</c>, <c>1.5</c>).</summary>
internal static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value * scale)
            || value * scale > TimeSpan.FromDays(1).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return duration > TimeSpan.Zero;
    }
}
