namespace PaymentFunctions;

/// <summary>Reads a request body up to a limit, so an oversized body costs at most limit + 1 bytes of memory.</summary>
internal static class LimitedBody
{
    /// <summary>The body's bytes; one byte more than <paramref name="limit"/> when the body is larger than the limit.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit + 1];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return buffer.AsMemory(0, filled);
    }
}
