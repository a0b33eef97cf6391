using System.Globalization;
using System.Text;
using AzureFunctions.PrometheusPush.Internal.Encoding.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace AzureFunctions.PrometheusPush.Internal.Encoding;

/// <summary>
/// A read exposition as a protobuf push: io.prometheus.client <see cref="MetricFamily"/> messages, every counter,
/// histogram and summary carrying its series' created timestamp, written length-delimited as the Pushgateway takes them.
/// Values are the text's own (the shortest round-trip form of each double), so nothing is rounded on the way.
/// </summary>
internal static class ProtobufTranscoder
{
    /// <summary>The Content-Type of a delimited protobuf push.</summary>
    public const string ContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    /// <summary>
    /// The key of a series for its created timestamp: its family and its labels as written (prometheus-net writes them in
    /// declaration order), without a histogram's <c>le</c> or a summary's <c>quantile</c>.
    /// </summary>
    public static string SeriesKey(string family, IEnumerable<KeyValuePair<string, string>> labels)
    {
        var key = new StringBuilder(family).Append('\0');
        foreach (var (name, value) in labels)
        {
            key.Append(name).Append('\u0001').Append(value).Append('\u0002');
        }

        return key.ToString();
    }

    /// <summary>The series whose created timestamp a push carries: every counter, histogram and summary series.</summary>
    public static IEnumerable<string> CountedSeries(TextExposition exposition) =>
        exposition.Families.Where(f => f.HoldsCounts).SelectMany(f => f.Samples.Select(s => SeriesKey(f.Name, SeriesLabels(f, s)))).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// Writes <paramref name="exposition"/>'s families to <paramref name="output"/>; with <paramref name="holdCounts"/>
    /// every count (counter, histogram, summary) is 0, gauges as they are. Throws <see cref="FormatException"/> for a
    /// family the protobuf format cannot carry.
    /// </summary>
    public static void Write(TextExposition exposition, IReadOnlyDictionary<string, Timestamp> created, bool holdCounts, Stream output)
    {
        foreach (var family in exposition.Families)
        {
            ToMessage(family, created, holdCounts && family.HoldsCounts).WriteDelimitedTo(output);
        }
    }

    private static MetricFamily ToMessage(ExpositionFamily family, IReadOnlyDictionary<string, Timestamp> created, bool zero)
    {
        var message = new MetricFamily { Name = family.Name, Help = family.Help, Type = TypeOf(family.Type) };
        var byLabels = new Dictionary<string, Metric>(StringComparer.Ordinal);
        foreach (var sample in family.Samples)
        {
            var value = zero ? 0 : sample.Value;
            var labels = SeriesLabels(family, sample).ToList();
            var key = SeriesKey(family.Name, labels);
            switch (family.Type)
            {
                case FamilyType.Counter:
                    RequireName(sample.Name, family.Name);
                    message.Metric.Add(WithLabels(new Metric { Counter = new Counter { Value = value, CreatedTimestamp = created[key] } }, labels));
                    break;
                case FamilyType.Gauge:
                    RequireName(sample.Name, family.Name);
                    message.Metric.Add(WithLabels(new Metric { Gauge = new Gauge { Value = value } }, labels));
                    break;
                case FamilyType.Untyped:
                    RequireName(sample.Name, family.Name);
                    message.Metric.Add(WithLabels(new Metric { Untyped = new Untyped { Value = value } }, labels));
                    break;
                case FamilyType.Histogram:
                    AddHistogramSample(Series(message, byLabels, key, labels, () => new Metric { Histogram = new Histogram { CreatedTimestamp = created[key] } }).Histogram, family, sample, value);
                    break;
                case FamilyType.Summary:
                    AddSummarySample(Series(message, byLabels, key, labels, () => new Metric { Summary = new Summary { CreatedTimestamp = created[key] } }).Summary, family, sample, value);
                    break;
            }
        }

        return message;
    }

    /// <summary>The labels of the series a sample belongs to: a histogram's <c>le</c> and a summary's <c>quantile</c> left out.</summary>
    private static IEnumerable<KeyValuePair<string, string>> SeriesLabels(ExpositionFamily family, ExpositionSample sample) => family.Type switch
    {
        FamilyType.Histogram => sample.Labels.Where(l => l.Key != "le"),
        FamilyType.Summary => sample.Labels.Where(l => l.Key != "quantile"),
        _ => sample.Labels,
    };

    private static void AddHistogramSample(Histogram histogram, ExpositionFamily family, ExpositionSample sample, double value)
    {
        switch (SuffixOf(sample.Name, family.Name, "_bucket", "_sum", "_count"))
        {
            case "_bucket":
                var le = sample.Labels.FirstOrDefault(l => l.Key == "le");
                if (le.Key is null)
                {
                    throw new FormatException("a histogram bucket without le");
                }

                var bound = TextExposition.ParseValue(le.Value);
                if (!double.IsPositiveInfinity(bound))
                {
                    histogram.Bucket.Add(new Bucket { UpperBound = bound, CumulativeCount = ToCount(value) });
                }

                break;
            case "_sum":
                histogram.SampleSum = value;
                break;
            default:
                histogram.SampleCount = ToCount(value);
                break;
        }
    }

    private static void AddSummarySample(Summary summary, ExpositionFamily family, ExpositionSample sample, double value)
    {
        switch (SuffixOf(sample.Name, family.Name, string.Empty, "_sum", "_count"))
        {
            case "":
                var quantile = sample.Labels.FirstOrDefault(l => l.Key == "quantile");
                if (quantile.Key is null)
                {
                    throw new FormatException("a summary sample without quantile");
                }

                summary.Quantile.Add(new Quantile { Quantile_ = TextExposition.ParseValue(quantile.Value), Value = value });
                break;
            case "_sum":
                summary.SampleSum = value;
                break;
            default:
                summary.SampleCount = ToCount(value);
                break;
        }
    }

    private static Metric Series(MetricFamily family, Dictionary<string, Metric> byLabels, string key, List<KeyValuePair<string, string>> labels, Func<Metric> create)
    {
        if (!byLabels.TryGetValue(key, out var metric))
        {
            metric = WithLabels(create(), labels);
            byLabels.Add(key, metric);
            family.Metric.Add(metric);
        }

        return metric;
    }

    private static Metric WithLabels(Metric metric, IEnumerable<KeyValuePair<string, string>> labels)
    {
        metric.Label.AddRange(labels.Select(l => new LabelPair { Name = l.Key, Value = l.Value }));
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

    private static MetricType TypeOf(FamilyType type) => type switch
    {
        FamilyType.Counter => MetricType.Counter,
        FamilyType.Gauge => MetricType.Gauge,
        FamilyType.Histogram => MetricType.Histogram,
        FamilyType.Summary => MetricType.Summary,
        _ => MetricType.Untyped,
    };

    private static ulong ToCount(double value) =>
        value >= 0 && value <= ulong.MaxValue && Math.Floor(value) == value
            ? (ulong)value
            : throw new FormatException($"the count {value.ToString(CultureInfo.InvariantCulture)} is not a whole number");
}
