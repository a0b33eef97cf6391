namespace PaymentFunctions.Tests.Functions;

public sealed class LimitedBodyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(10_000)]
    [InlineData(65_536)]
    public async Task A_body_up_to_the_limit_is_read_whole_even_from_a_stream_that_trickles(int size)
    {
        var content = Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();

        using var body = await LimitedBody.ReadAsync(new TrickleStream(content, chunk: 1000), 65_536, CancellationToken.None);

        Assert.Equal(content, body.Bytes.ToArray());
    }

    [Fact]
    public async Task A_larger_body_is_read_only_up_to_one_byte_past_the_limit()
    {
        var stream = new TrickleStream(new byte[1_000_000], chunk: 8192);

        using var body = await LimitedBody.ReadAsync(stream, 65_536, CancellationToken.None);

        Assert.Equal(65_537, body.Length);
        Assert.True(stream.Position <= 65_537 + 8192, $"read {stream.Position} bytes");
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_accepted_by_the_function()
    {
        using var app = TestApp.Create();
        const string prefix = "{\"orderId\":\"o\",\"userId\":\"u\",\"amount\":10,\"currency\":\"USD\",\"pad\":\"";
        var body = prefix + new string('x', 64 * 1024 - prefix.Length - 2) + "\"}";
        Assert.Equal(64 * 1024, System.Text.Encoding.UTF8.GetByteCount(body));

        var response = await app.PostPaymentAsync(body);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, like a network body.</summary>
    private sealed class TrickleStream(byte[] content, int chunk) : MemoryStream(content, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
