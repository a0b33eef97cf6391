using System.IO.Compression;
using System.Net.Http.Headers;

namespace AzureFunctions.PrometheusPush.Internal.Encoding;

/// <summary>
/// The body of one push from one collection of the registry (prometheus-net's text exposition): as collected (text), at
/// 0 for the first-values hold (text), or as protobuf with created timestamps; gzip-compressed when configured. The text
/// is read once, and only when the push is not the collection as it is.
/// </summary>
internal sealed class PushEncoder(DateTimeOffset startedAt, bool gzip)
{
    private static readonly MediaTypeHeaderValue TextType = MediaTypeHeaderValue.Parse("text/plain; version=0.0.4; charset=utf-8");
    private static readonly MediaTypeHeaderValue ProtobufType = MediaTypeHeaderValue.Parse(ProtobufTranscoder.ContentType);

    private readonly SeriesCreationTimes _created = new(startedAt);

    /// <summary>Whether bodies are gzip-compressed (the request then says <c>Content-Encoding: gzip</c>).</summary>
    public bool Gzip => gzip;

    /// <summary>The series whose created time is known (for tests).</summary>
    public int KnownSeries => _created.Count;

    /// <summary>
    /// Encodes <paramref name="collected"/>, taken in a collection that began at <paramref name="collectionStarted"/>;
    /// with <paramref name="holdCounts"/> every count is 0. Throws <see cref="FormatException"/> when the collection cannot
    /// be read, or (as protobuf) encoded.
    /// </summary>
    public (byte[] Body, MediaTypeHeaderValue ContentType) Encode(ReadOnlySpan<byte> collected, DateTimeOffset collectionStarted, bool holdCounts, bool text)
    {
        using var output = new MemoryStream();
        using (var body = gzip ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true) : (Stream)output)
        {
            if (text && !holdCounts)
            {
                body.Write(collected);
            }
            else
            {
                var exposition = TextExposition.Parse(collected);
                if (text)
                {
                    body.Write(exposition.WriteHeld());
                }
                else
                {
                    var created = _created.Assign(ProtobufTranscoder.CountedSeries(exposition), collectionStarted);
                    ProtobufTranscoder.Write(exposition, created, holdCounts, body);
                }
            }
        }

        return (output.ToArray(), text ? TextType : ProtobufType);
    }
}
