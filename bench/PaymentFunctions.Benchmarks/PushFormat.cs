using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using AzureFunctions.PrometheusPush.Internal.Encoding;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// One way to encode an instance's push, as the app's push client sends it: the text exposition, protobuf with created
/// timestamps (<see cref="ProtobufTranscoder"/>, the shipped default), or protobuf gzip-compressed (<c>MetricPush__Gzip</c>).
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

        var protobuf = ProtobufOf(text);
        if (name == Protobuf)
        {
            return new PushFormat(name, protobuf, ProtobufTranscoder.ContentType, Gzip: false);
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(protobuf);
        }

        return new PushFormat(name, compressed.ToArray(), ProtobufTranscoder.ContentType, Gzip: true);
    }

    /// <summary>A text exposition encoded as the push client encodes it: protobuf, every count with its created timestamp, uncompressed.</summary>
    public static byte[] ProtobufOf(byte[] exposition)
    {
        var now = TimeProvider.System.GetUtcNow();
        return new PushEncoder(now, gzip: false).Encode(exposition, now, holdCounts: false, text: false).Body;
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
