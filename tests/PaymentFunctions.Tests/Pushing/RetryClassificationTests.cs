using System.Net;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>
/// Which push failures are retried, by exact attempt count. A refusal of the request itself (400, 401, 403)
/// cannot get better by asking again: one attempt. A gateway that is busy, down, refusing connections or not answering
/// gets the configured retries: 1 + <see cref="PushOptions.MaxRetryAttempts"/> attempts.
/// </summary>
public sealed class RetryClassificationTests
{
    private const int Retries = 2;

    public static TheoryData<int> Refusals => [400, 401, 403, 404, 409];

    public static TheoryData<int> Transients => [408, 429, 500, 502, 503, 504];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_request_is_tried_once(int status)
    {
        var gateway = new AnsweringGateway((_, _) => Task.FromResult(new HttpResponseMessage((HttpStatusCode)status)));

        var outcome = await PushAsync(gateway);

        Assert.False(outcome.Success);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal(1, gateway.Requests);
    }

    [Theory]
    [MemberData(nameof(Transients))]
    public async Task A_busy_or_failing_gateway_gets_the_configured_retries(int status)
    {
        var gateway = new AnsweringGateway((_, _) => Task.FromResult(new HttpResponseMessage((HttpStatusCode)status)));

        var outcome = await PushAsync(gateway);

        Assert.False(outcome.Success);
        Assert.Equal(1 + Retries, outcome.Attempts);
        Assert.Equal(1 + Retries, gateway.Requests);
        Assert.Equal($"HTTP {status}", outcome.Detail);
    }

    [Fact]
    public async Task A_gateway_that_recovers_during_the_retries_gets_the_push()
    {
        var gateway = new AnsweringGateway((n, _) => Task.FromResult(new HttpResponseMessage(n < 3 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK)));

        var outcome = await PushAsync(gateway);

        Assert.True(outcome.Success);
        Assert.Equal(3, outcome.Attempts);
    }

    [Fact]
    public async Task A_refused_connection_gets_the_configured_retries()
    {
        using var http = new HttpClient();
        var client = Client(http);

        var outcome = await client.PushAsync(new Uri($"http://127.0.0.1:{ExternalProcess.FreePort()}/metrics/job/j/instance/i"), holdCounts: false, CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Equal("connection", outcome.Reason);
        Assert.Equal(1 + Retries, outcome.Attempts);
    }

    [Fact]
    public async Task A_gateway_that_does_not_answer_within_the_timeout_gets_the_configured_retries()
    {
        var gateway = new AnsweringGateway(async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken); // until the push timeout cancels it
            throw new InvalidOperationException("unreachable");
        });

        var outcome = await PushAsync(gateway);

        Assert.False(outcome.Success);
        Assert.Equal("timeout", outcome.Reason);
        Assert.Equal(1 + Retries, outcome.Attempts);
        Assert.Equal(1 + Retries, gateway.Requests);
    }

    private static PushOptions Options() => new()
    {
        Url = "http://pushgateway.test:9091",
        MaxRetryAttempts = Retries,
        RetryDelaySeconds = 0.001,
        TimeoutSeconds = 0.2,
        IntervalSeconds = 1,

        // Text: a protobuf push refused with 400 is sent once more as text (PushClientTests), which is not a retry.
        Format = PushFormat.Text,
    };

    private static async Task<PushOutcome> PushAsync(AnsweringGateway gateway)
    {
        using var http = new HttpClient(gateway);
        var client = Client(http);
        return await client.PushAsync(new Uri("http://pushgateway.test:9091/metrics/job/j/instance/i"), holdCounts: false, CancellationToken.None);
    }

    private static PushClient Client(HttpClient http)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        return new PushClient(() => http, new PushHealthMetrics(registry), registry.CollectAndExportAsTextAsync, Options(), TimeProvider.System, TimeProvider.System.GetUtcNow());
    }

    /// <summary>Answers the n-th request (1-based) as told, and counts requests.</summary>
    private sealed class AnsweringGateway(Func<int, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            answer(Interlocked.Increment(ref _requests), cancellationToken);
    }
}
