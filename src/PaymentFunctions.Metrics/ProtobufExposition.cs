using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using PaymentFunctions.Metrics.Exposition;

namespace PaymentFunctions.Metrics;

/// <summary>
/// The registry as a protobuf push: prometheus-net's text exposition (format 0.0.4, the only one it writes) read into
/// io.prometheus.client <see cref="MetricFamily"/> messages, every counter, histogram and summary carrying its series'
/// created timestamp (<see cref="SeriesCreationTimes"/>), written length-delimited as the Pushgateway takes them.
/// Values are the text's own (the shortest round-trip form of each double), so nothing is rounded on the way.
/// </summary>
internal static class ProtobufExposition
{
    /// <summary>The Content-Type of a delimited protobuf push.</summary>
    public const string ContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    /// <summary>
    /// Reads <paramref name="exposition"/> and writes its families to <paramref name="output"/>; with
    /// <paramref name="zeroCounts"/> every counter, histogram and summary value is 0 (the first-values hold), gauges as
    /// they are. Throws <see cref="FormatException"/> naming the line that cannot be read.
    /// </summary>
    public static void Write(ReadOnlySpan<byte> exposition, SeriesCreationTimes created, bool zeroCounts, Stream output)
    {
        foreach (var family in Parse(Encoding.UTF8.GetString(exposition), created, zeroCounts))
        {
            family.WriteDelimitedTo(output);
        }
    }

    /// <summary>The families of a text exposition, in order; see <see cref="Write"/>.</summary>
    public static IReadOnlyList<MetricFamily> Parse(string exposition, SeriesCreationTimes created, bool zeroCounts)
    {
        var families = new List<MetricFamily>();
        var reader = new FamilyReader(created, zeroCounts);
        var lineNumber = 0;
        foreach (var line in exposition.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (line.IsEmpty)
            {
                continue;
            }

            try
            {
                reader.Read(line, families);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"Line {lineNumber} of the registry's exposition cannot be encoded as protobuf ({ex.Message}): {Shorten(line)}", ex);
            }
        }

        created.Collected();
        return families;
    }

    private static string Shorten(ReadOnlySpan<char> line) => line.Length <= 120 ? line.ToString() : string.Concat(line[..120], "...");

    /// <summary>Reads one family at a time: HELP and TYPE start it, its samples follow.</summary>
    private sealed class FamilyReader(SeriesCreationTimes created, bool zeroCounts)
    {
        private readonly Dictionary<string, Metric> _byLabels = new(StringComparer.Ordinal);
        private MetricFamily? _family;
        private string _help = string.Empty;

        public void Read(ReadOnlySpan<char> line, List<MetricFamily> families)
        {
            if (line[0] == '#')
            {
                ReadComment(line, families);
                return;
            }

            var (name, labels, value) = ReadSample(line);
            var family = _family ?? throw new FormatException("a sample before any # TYPE line");
            switch (family.Type)
            {
                case MetricType.Counter:
                    RequireName(name, family.Name);
                    family.Metric.Add(new Metric { Counter = new Counter { Value = zeroCounts ? 0 : value, CreatedTimestamp = created.Of(family.Name, Key(labels)) } });
                    family.Metric[^1].Label.AddRange(labels);
                    break;
                case MetricType.Gauge:
                    RequireName(name, family.Name);
                    family.Metric.Add(new Metric { Gauge = new Gauge { Value = value } });
                    family.Metric[^1].Label.AddRange(labels);
                    break;
                case MetricType.Untyped:
                    RequireName(name, family.Name);
                    family.Metric.Add(new Metric { Untyped = new Untyped { Value = value } });
                    family.Metric[^1].Label.AddRange(labels);
                    break;
                case MetricType.Histogram:
                    ReadHistogramSample(family, name, labels, zeroCounts ? 0 : value);
                    break;
                case MetricType.Summary:
                    ReadSummarySample(family, name, labels, zeroCounts ? 0 : value);
                    break;
                default:
                    throw new FormatException($"the type {family.Type} is not pushed");
            }
        }

        private void ReadComment(ReadOnlySpan<char> line, List<MetricFamily> families)
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ');
                _help = space < 0 ? string.Empty : UnescapeHelp(rest[(space + 1)..]);
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ');
                if (space <= 0)
                {
                    throw new FormatException("a # TYPE line without a type");
                }

                _byLabels.Clear();
                _family = new MetricFamily { Name = rest[..space].ToString(), Help = _help, Type = TypeOf(rest[(space + 1)..]) };
                _help = string.Empty;
                families.Add(_family);
            }
        }

        private void ReadHistogramSample(MetricFamily family, string name, List<LabelPair> labels, double value)
        {
            var suffix = SuffixOf(name, family.Name, "_bucket", "_sum", "_count");
            var le = labels.FindIndex(l => l.Name == "le");
            if (suffix == "_bucket")
            {
                if (le < 0)
                {
                    throw new FormatException("a histogram bucket without le");
                }

                var bound = ParseValue(labels[le].Value);
                labels.RemoveAt(le);
                var histogram = MetricFor(family, labels, m => m.Histogram = new Histogram { CreatedTimestamp = created.Of(family.Name, Key(labels)) }).Histogram;
                if (!double.IsPositiveInfinity(bound))
                {
                    histogram.Bucket.Add(new Bucket { UpperBound = bound, CumulativeCount = ToCount(value) });
                }

                return;
            }

            var metric = MetricFor(family, labels, m => m.Histogram = new Histogram { CreatedTimestamp = created.Of(family.Name, Key(labels)) }).Histogram;
            if (suffix == "_sum")
            {
                metric.SampleSum = value;
            }
            else
            {
                metric.SampleCount = ToCount(value);
            }
        }

        private void ReadSummarySample(MetricFamily family, string name, List<LabelPair> labels, double value)
        {
            var suffix = SuffixOf(name, family.Name, string.Empty, "_sum", "_count");
            var quantile = labels.FindIndex(l => l.Name == "quantile");
            double? q = null;
            if (suffix.Length == 0)
            {
                if (quantile < 0)
                {
                    throw new FormatException("a summary sample without quantile");
                }

                q = ParseValue(labels[quantile].Value);
                labels.RemoveAt(quantile);
            }

            var summary = MetricFor(family, labels, m => m.Summary = new Summary { CreatedTimestamp = created.Of(family.Name, Key(labels)) }).Summary;
            if (q is { } at)
            {
                summary.Quantile.Add(new Quantile { Quantile_ = at, Value = value });
            }
            else if (suffix == "_sum")
            {
                summary.SampleSum = value;
            }
            else
            {
                summary.SampleCount = ToCount(value);
            }
        }

        private Metric MetricFor(MetricFamily family, List<LabelPair> labels, Action<Metric> create)
        {
            var key = Key(labels);
            if (!_byLabels.TryGetValue(key, out var metric))
            {
                metric = new Metric();
                metric.Label.AddRange(labels);
                create(metric);
                _byLabels.Add(key, metric);
                family.Metric.Add(metric);
            }

            return metric;
        }

        private static void RequireName(string name, string familyName)
        {
            if (name != familyName)
            {
                throw new FormatException($"the sample {name} is not of the family {familyName}");
            }
        }

        private static string SuffixOf(string name, string familyName, params string[] suffixes)
        {
            foreach (var suffix in suffixes)
            {
                if (name.Length == familyName.Length + suffix.Length && name.StartsWith(familyName, StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return suffix;
                }
            }

            throw new FormatException($"the sample {name} is not of the family {familyName}");
        }

        private static MetricType TypeOf(ReadOnlySpan<char> type) => type switch
        {
            "counter" => MetricType.Counter,
            "gauge" => MetricType.Gauge,
            "histogram" => MetricType.Histogram,
            "summary" => MetricType.Summary,
            "untyped" => MetricType.Untyped,
            _ => throw new FormatException($"the unknown type '{type}'"),
        };

        private static ulong ToCount(double value) =>
            value >= 0 && value <= ulong.MaxValue && Math.Floor(value) == value ? (ulong)value : throw new FormatException($"the count {value.ToString(CultureInfo.InvariantCulture)} is not a whole number");
    }

    /// <summary>The label key of a series: its labels as written (prometheus-net writes them in declaration order).</summary>
    private static string Key(List<LabelPair> labels)
    {
        if (labels.Count == 0)
        {
            return string.Empty;
        }

        var key = new StringBuilder();
        foreach (var label in labels)
        {
            key.Append(label.Name).Append('\u0001').Append(label.Value).Append('\u0002');
        }

        return key.ToString();
    }

    /// <summary>Reads <c>name{label="value",...} value</c> (a trailing timestamp is refused: the gateway would reject it).</summary>
    private static (string Name, List<LabelPair> Labels, double Value) ReadSample(ReadOnlySpan<char> line)
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

        var labels = new List<LabelPair>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length)
                {
                    throw new FormatException("unterminated labels");
                }

                if (line[i] == '}')
                {
                    i++;
                    break;
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

                labels.Add(new LabelPair { Name = labelName, Value = value.ToString() });
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
            }
        }

        var rest = line[i..].Trim();
        if (rest.IndexOf(' ') >= 0)
        {
            throw new FormatException("a sample with a timestamp");
        }

        return (name, labels, ParseValue(rest));
    }

    private static double ParseValue(ReadOnlySpan<char> text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"the value '{text}' is not a number"),
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
}
