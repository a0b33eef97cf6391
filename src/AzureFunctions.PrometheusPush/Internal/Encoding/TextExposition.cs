using System.Globalization;
using System.Text;

namespace AzureFunctions.PrometheusPush.Internal.Encoding;

/// <summary>The type of a family, from its <c># TYPE</c> line.</summary>
internal enum FamilyType
{
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// <summary>One sample line: its name, labels in the order written, value, and its text before the value and of it.</summary>
internal sealed record ExpositionSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, string Prefix, string ValueText);

/// <summary>One family: its name, help, type, its comment lines as written, and its samples in order.</summary>
internal sealed class ExpositionFamily(string name, string help, FamilyType type, IReadOnlyList<string> comments)
{
    public string Name { get; } = name;

    public string Help { get; } = help;

    public FamilyType Type { get; } = type;

    /// <summary>The <c># HELP</c> and <c># TYPE</c> lines as written.</summary>
    public IReadOnlyList<string> Comments { get; } = comments;

    public List<ExpositionSample> Samples { get; } = [];

    /// <summary>Whether its values are counts, which the first-values hold pushes at 0 (counters, histograms, summaries).</summary>
    public bool HoldsCounts => Type is FamilyType.Counter or FamilyType.Histogram or FamilyType.Summary;
}

/// <summary>
/// prometheus-net's text exposition (format 0.0.4, the only one it writes), read once into families and samples: what
/// the protobuf push (<see cref="ProtobufTranscoder"/>) and the held text push (<see cref="WriteHeld"/>) are written from.
/// A line that cannot be read is a <see cref="FormatException"/> naming it.
/// </summary>
internal sealed class TextExposition
{
    private TextExposition(List<ExpositionFamily> families) => Families = families;

    public IReadOnlyList<ExpositionFamily> Families { get; }

    public static TextExposition Parse(ReadOnlySpan<byte> utf8)
    {
        var text = System.Text.Encoding.UTF8.GetString(utf8);
        var families = new List<ExpositionFamily>();
        var comments = new List<string>();
        var help = string.Empty;
        ExpositionFamily? family = null;
        var lineNumber = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (line.IsEmpty)
            {
                continue;
            }

            try
            {
                if (line[0] != '#')
                {
                    (family ?? throw new FormatException("a sample before any # TYPE line")).Samples.Add(ReadSample(line));
                }
                else if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    var rest = line[7..];
                    var space = rest.IndexOf(' ');
                    help = space < 0 ? string.Empty : UnescapeHelp(rest[(space + 1)..]);
                    comments.Add(line.ToString());
                }
                else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var rest = line[7..];
                    var space = rest.IndexOf(' ');
                    if (space <= 0)
                    {
                        throw new FormatException("a # TYPE line without a type");
                    }

                    comments.Add(line.ToString());
                    family = new ExpositionFamily(rest[..space].ToString(), help, TypeOf(rest[(space + 1)..]), comments);
                    families.Add(family);
                    comments = [];
                    help = string.Empty;
                }
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Line {lineNumber} of the registry's exposition cannot be read ({ex.Message}): {Shorten(line)}", ex);
            }
        }

        return new TextExposition(families);
    }

    /// <summary>The exposition as text with every counter, histogram and summary value at 0, gauges as they are.</summary>
    public byte[] WriteHeld()
    {
        var output = new StringBuilder();
        foreach (var family in Families)
        {
            foreach (var comment in family.Comments)
            {
                output.Append(comment).Append('\n');
            }

            foreach (var sample in family.Samples)
            {
                output.Append(sample.Prefix).Append(family.HoldsCounts ? "0" : sample.ValueText).Append('\n');
            }
        }

        return System.Text.Encoding.UTF8.GetBytes(output.ToString());
    }

    public static double ParseValue(ReadOnlySpan<char> text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"the value '{text}' is not a number"),
    };

    /// <summary>Reads <c>name{label="value",...} value</c> (a trailing timestamp is refused: the gateway would reject it).</summary>
    private static ExpositionSample ReadSample(ReadOnlySpan<char> line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i].ToString();
        if (name.Length == 0)
        {
            throw new FormatException("a sample without a name");
        }

        var labels = new List<KeyValuePair<string, string>>();
        if (i < line.Length && line[i] == '{')
        {
            i = ReadLabels(line, i + 1, labels);
        }

        var valueStart = i;
        while (valueStart < line.Length && line[valueStart] == ' ')
        {
            valueStart++;
        }

        var rest = line[valueStart..].TrimEnd();
        if (rest.IndexOf(' ') >= 0)
        {
            throw new FormatException("a sample with a timestamp");
        }

        return new ExpositionSample(name, labels, ParseValue(rest), line[..valueStart].ToString(), rest.ToString());
    }

    /// <summary>Reads <c>label="value",...}</c> from <paramref name="i"/>; returns the index after the closing brace.</summary>
    private static int ReadLabels(ReadOnlySpan<char> line, int i, List<KeyValuePair<string, string>> labels)
    {
        while (true)
        {
            if (i >= line.Length)
            {
                throw new FormatException("unterminated labels");
            }

            if (line[i] == '}')
            {
                return i + 1;
            }

            var eq = line[i..].IndexOf('=');
            if (eq <= 0 || i + eq + 1 >= line.Length || line[i + eq + 1] != '"')
            {
                throw new FormatException("a label without a quoted value");
            }

            var labelName = line.Slice(i, eq).ToString();
            i += eq + 2;
            var value = new StringBuilder();
            while (true)
            {
                if (i >= line.Length)
                {
                    throw new FormatException("an unterminated label value");
                }

                var c = line[i++];
                if (c == '"')
                {
                    break;
                }

                if (c == '\\' && i < line.Length)
                {
                    var escaped = line[i++];
                    value.Append(escaped switch { 'n' => '\n', _ => escaped });
                }
                else
                {
                    value.Append(c);
                }
            }

            labels.Add(new(labelName, value.ToString()));
            if (i < line.Length && line[i] == ',')
            {
                i++;
            }
        }
    }

    private static FamilyType TypeOf(ReadOnlySpan<char> type) => type switch
    {
        "counter" => FamilyType.Counter,
        "gauge" => FamilyType.Gauge,
        "histogram" => FamilyType.Histogram,
        "summary" => FamilyType.Summary,
        "untyped" => FamilyType.Untyped,
        _ => throw new FormatException($"the unknown type '{type}'"),
    };

    private static string UnescapeHelp(ReadOnlySpan<char> help)
    {
        if (help.IndexOf('\\') < 0)
        {
            return help.ToString();
        }

        var text = new StringBuilder(help.Length);
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] == '\\' && i + 1 < help.Length)
            {
                i++;
                text.Append(help[i] == 'n' ? '\n' : help[i]);
            }
            else
            {
                text.Append(help[i]);
            }
        }

        return text.ToString();
    }

    private static string Shorten(ReadOnlySpan<char> line) => line.Length <= 120 ? line.ToString() : string.Concat(line[..120], "...");
}
