using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using PaymentFunctions.Metrics;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// One way to encode an instance's push, as the app's push client sends it: the text exposition, protobuf with created
/// timestamps (<see cref="ProtobufExposition"/>, the shipped default), or protobuf gzip-compressed (<c>MetricPush__Gzip</c>).
/// </summary>
internal sealed record PushFormat(string Name, byte[] Body, string ContentType, bool Gzip)
{
    public const string Text = "text";
    public const string Protobuf = "protobuf";
    public const string ProtobufGzip = "protobuf-gzip";

    public static IReadOnlyList<string> Names { get; } = [Text, Protobuf, ProtobufGzip];

    /// <summary>The push of one instance whose registry exported <paramref name="exposition"/>, in the named format.</summary>
    public static PushFormat Of(string name, string exposition)
    {
        var text = Encoding.UTF8.GetBytes(exposition);
        if (name == Text)
        {
            return new PushFormat(name, text, "text/plain; version=0.0.4; charset=utf-8", Gzip: false);
        }

        using var protobuf = new MemoryStream();
        var created = new SeriesCreationTimes(TimeProvider.System);
        created.Collecting();
        ProtobufExposition.Write(text, created, zeroCounts: false, protobuf);
        if (name == Protobuf)
        {
            return new PushFormat(name, protobuf.ToArray(), ProtobufExposition.ContentType, Gzip: false);
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(protobuf.GetBuffer().AsSpan(0, (int)protobuf.Length));
        }

        return new PushFormat(name, compressed.ToArray(), ProtobufExposition.ContentType, Gzip: true);
    }

    /// <summary>A request body of this push (a new one per request: content is disposed with its request).</summary>
    public ByteArrayContent Content() => Content([]);

    /// <summary>A request body of this push followed by <paramref name="suffix"/>, already in this push's encoding.</summary>
    public ByteArrayContent Content(byte[] suffix)
    {
        var content = new ByteArrayContent(suffix.Length == 0 ? Body : [.. Body, .. suffix]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        if (Gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }
}
