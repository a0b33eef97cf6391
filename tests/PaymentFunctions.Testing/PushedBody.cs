using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using AzureFunctions.PrometheusPush.Internal.Encoding.Wire;

namespace PaymentFunctions.Testing;

/// <summary>A counter, histogram or summary series and its created timestamp as a push or a protobuf scrape carries it (null: none).</summary>
public sealed record CreatedSeries(string Family, IReadOnlyDictionary<string, string> Labels, DateTimeOffset? Created);

/// <summary>
/// Reads what a push sends or a gateway serves, in either format the app pushes: gzip undone, a delimited protobuf body
/// (io.prometheus.client.MetricFamily) written out as the text format, so tests assert values with <see cref="PrometheusText"/>
/// whatever the format; and the created timestamps that only protobuf carries.
/// </summary>
public static class PushedBody
{
    /// <summary>The Accept header of a protobuf scrape, as Prometheus sends it with created-timestamp ingestion on.</summary>
    public const string ProtobufAccept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

    /// <summary>Whether a content type is the delimited protobuf format.</summary>
    public static bool IsProtobuf(string? contentType) => contentType?.StartsWith("application/vnd.google.protobuf", StringComparison.Ordinal) == true;

    /// <summary>The body of a request or response as the text format (gunzipped; protobuf written out as text).</summary>
    public static async Task<string> ToTextAsync(HttpContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var bytes = await BytesAsync(content, cancellationToken);
        return IsProtobuf(content.Headers.ContentType?.ToString()) ? ToText(bytes) : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The body's bytes with any gzip content encoding undone.</summary>
    public static async Task<byte[]> BytesAsync(HttpContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
        return IsGzip(content.Headers.ContentEncoding) ? Gunzip(bytes) : bytes;
    }

    /// <summary>Delimited protobuf families written out in the text format (buckets cumulative, +Inf from the count).</summary>
    public static string ToText(byte[] protobuf)
    {
        var text = new StringBuilder();
        foreach (var family in Families(protobuf))
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type.ToString().ToLowerInvariant()).Append('\n');
            foreach (var metric in family.Metric)
            {
                var labels = metric.Label.Select(l => (l.Name, l.Value)).ToList();
                switch (family.Type)
                {
                    case MetricType.Counter:
                        Line(text, family.Name, labels, metric.Counter.Value);
                        break;
                    case MetricType.Gauge:
                        Line(text, family.Name, labels, metric.Gauge.Value);
                        break;
                    case MetricType.Untyped:
                        Line(text, family.Name, labels, metric.Untyped.Value);
                        break;
                    case MetricType.Histogram:
                        Line(text, family.Name + "_sum", labels, metric.Histogram.SampleSum);
                        Line(text, family.Name + "_count", labels, metric.Histogram.SampleCount);
                        foreach (var bucket in metric.Histogram.Bucket)
                        {
                            Line(text, family.Name + "_bucket", [.. labels, ("le", Format(bucket.UpperBound))], bucket.CumulativeCount);
                        }

                        Line(text, family.Name + "_bucket", [.. labels, ("le", "+Inf")], metric.Histogram.SampleCount);
                        break;
                    case MetricType.Summary:
                        Line(text, family.Name + "_sum", labels, metric.Summary.SampleSum);
                        Line(text, family.Name + "_count", labels, metric.Summary.SampleCount);
                        foreach (var quantile in metric.Summary.Quantile)
                        {
                            Line(text, family.Name, [.. labels, ("quantile", Format(quantile.Quantile_))], quantile.Value);
                        }

                        break;
                    default:
                        throw new FormatException($"{family.Name}: type {family.Type} is not read here");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Every counter, histogram and summary series of a delimited protobuf body, with its created timestamp if it has one.</summary>
    public static IReadOnlyList<CreatedSeries> CreatedTimestamps(byte[] protobuf)
    {
        var created = new List<CreatedSeries>();
        foreach (var family in Families(protobuf))
        {
            foreach (var metric in family.Metric)
            {
                if (family.Type is MetricType.Counter or MetricType.Histogram or MetricType.Summary)
                {
                    var timestamp = metric.Counter?.CreatedTimestamp ?? metric.Histogram?.CreatedTimestamp ?? metric.Summary?.CreatedTimestamp;
                    created.Add(new CreatedSeries(family.Name, metric.Label.ToDictionary(l => l.Name, l => l.Value), timestamp?.ToDateTimeOffset()));
                }
            }
        }

        return created;
    }

    /// <summary>GETs a gateway's <c>/metrics</c> in protobuf, as Prometheus does with created-timestamp ingestion on.</summary>
    public static async Task<byte[]> ScrapeProtobufAsync(Uri gateway)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/metrics"));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(ProtobufAccept));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        if (!IsProtobuf(response.Content.Headers.ContentType?.ToString()))
        {
            throw new InvalidOperationException($"{gateway} answered a protobuf scrape with {response.Content.Headers.ContentType}.");
        }

        return await BytesAsync(response.Content);
    }

    internal static List<MetricFamily> Families(byte[] protobuf)
    {
        var families = new List<MetricFamily>();
        using var stream = new MemoryStream(protobuf);
        while (stream.Position < stream.Length)
        {
            families.Add(MetricFamily.Parser.ParseDelimitedFrom(stream));
        }

        return families;
    }

    private static bool IsGzip(ICollection<string> encodings) => encodings.Contains("gzip", StringComparer.OrdinalIgnoreCase);

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static void Line(StringBuilder text, string name, List<(string Name, string Value)> labels, double value)
    {
        text.Append(name);
        if (labels.Count > 0)
        {
            text.Append('{').AppendJoin(',', labels.Select(l => $"{l.Name}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"")).Append('}');
        }

        text.Append(' ').Append(Format(value)).Append('\n');
    }

    private static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };
}
