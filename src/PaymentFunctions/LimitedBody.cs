using System.Buffers;

namespace PaymentFunctions;

/// <summary>
/// A request body read up to a limit into a pooled buffer: a small body costs a few pooled kilobytes, an oversized one
/// at most limit + 1 bytes (enough to tell it is too large). Dispose returns the buffer to the pool.
/// </summary>
internal sealed class LimitedBody : IDisposable
{
    private const int InitialSize = 4096;
    private byte[]? _buffer;

    private LimitedBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    /// <summary>Bytes read: the whole body, or limit + 1 bytes when the body is larger than the limit.</summary>
    public int Length { get; }

    public ReadOnlyMemory<byte> Bytes => (_buffer ?? throw new ObjectDisposedException(nameof(LimitedBody))).AsMemory(0, Length);

    public static async Task<LimitedBody> ReadAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var cap = limit + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialSize, cap));
        var filled = 0;
        try
        {
            while (filled < cap)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, cap));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(filled, Math.Min(buffer.Length, cap) - filled), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            return new LimitedBody(buffer, filled);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
