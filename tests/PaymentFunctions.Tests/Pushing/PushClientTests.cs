using System.Net;
using PaymentFunctions.Metrics;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>What one push sends (method, content type, body, held or not) and what it reports, to the value.</summary>
public sealed class PushClientTests
{
    private static readonly Uri Group = new("http://pushgateway.test:9091/metrics/job/j/instance/i");

    [Fact]
    public async Task A_push_puts_the_registry_in_the_text_format_to_the_group_url()
    {
        var metrics = new PaymentMetrics();
        metrics.PaymentRequests.WithLabels("success", "stripe", "premium").Inc(3);
        metrics.MemoryUsage.WithLabels("used").Set(42);
        var gateway = new Capturing(HttpStatusCode.OK);

        var outcome = await PushAsync(gateway, metrics, holdValues: false);

        Assert.Equal(new PushOutcome(true, 1, null, null), outcome);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal(Group, request.Url);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", request.ContentType);
        var text = PrometheusText.Parse(request.Body);
        Assert.Equal(3, text.Value("payment_requests_total", ("status", "success"), ("user_tier", "premium")));
        Assert.Equal(42, text.Value("memory_usage_bytes", ("type", "used")));
        Assert.Equal(request.Body, await ExportAsync(metrics));
    }

    [Fact]
    public async Task A_held_push_carries_counters_at_zero_and_gauges_as_they_are()
    {
        var metrics = new PaymentMetrics();
        metrics.PaymentRequests.WithLabels("success", "stripe", "premium").Inc(3);
        metrics.MemoryUsage.WithLabels("used").Set(42);
        var gateway = new Capturing(HttpStatusCode.OK);

        await PushAsync(gateway, metrics, holdValues: true);

        var text = PrometheusText.Parse(Assert.Single(gateway.Requests).Body);
        Assert.Equal(0, text.Value("payment_requests_total", ("status", "success"), ("user_tier", "premium")));
        Assert.Equal(42, text.Value("memory_usage_bytes", ("type", "used")));
    }

    [Fact]
    public async Task Without_retries_a_failing_gateway_gets_one_attempt()
    {
        var gateway = new Capturing(HttpStatusCode.ServiceUnavailable);

        var outcome = await PushAsync(gateway, new PaymentMetrics(), holdValues: false, retries: 0);

        Assert.Equal(new PushOutcome(false, 1, "server_error", "HTTP 503"), outcome);
        Assert.Single(gateway.Requests);
    }

    [Fact]
    public async Task A_refusal_reports_its_reason_and_status()
    {
        var outcome = await PushAsync(new Capturing(HttpStatusCode.Forbidden), new PaymentMetrics(), holdValues: false);

        Assert.Equal(new PushOutcome(false, 1, "unauthorized", "HTTP 403"), outcome);
    }

    [Fact]
    public async Task A_transport_failure_reports_its_reason_and_message_and_a_timeout_says_so()
    {
        var broken = new Capturing(HttpStatusCode.OK) { Error = new HttpRequestException(HttpRequestError.ResponseEnded, "the gateway hung up") };
        var silent = new Capturing(HttpStatusCode.OK) { Silent = true };

        var failed = await PushAsync(broken, new PaymentMetrics(), holdValues: false);
        var timedOut = await PushAsync(silent, new PaymentMetrics(), holdValues: false);

        Assert.Equal(new PushOutcome(false, 3, "transport", "the gateway hung up"), failed);
        Assert.Equal(new PushOutcome(false, 3, "timeout", "no answer within the push timeout"), timedOut);
    }

    [Fact]
    public async Task A_cancelled_push_throws()
    {
        var silent = new Capturing(HttpStatusCode.OK) { Silent = true };
        using var http = new HttpClient(silent);
        var client = new MetricPushClient(() => http, new PaymentMetrics(), Options(2, timeoutSeconds: 30), TimeProvider.System);
        using var cancel = new CancellationTokenSource();

        var push = client.PushAsync(Group, holdValues: false, cancel.Token);
        await Poll.UntilAsync(() => silent.Requests.Count >= 1, TimeSpan.FromSeconds(10), "the push reached the gateway");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => push);
    }

    private static MetricPushOptions Options(int retries, double timeoutSeconds = 0.2) => new()
    {
        Url = "http://pushgateway.test:9091",
        MaxRetryAttempts = retries,
        RetryDelaySeconds = 0.001,
        TimeoutSeconds = timeoutSeconds,
        IntervalSeconds = 1,
    };

    private static async Task<PushOutcome> PushAsync(Capturing gateway, PaymentMetrics metrics, bool holdValues, int retries = 2)
    {
        using var http = new HttpClient(gateway);
        var client = new MetricPushClient(() => http, metrics, Options(retries), TimeProvider.System);
        return await client.PushAsync(Group, holdValues, CancellationToken.None);
    }

    private static async Task<string> ExportAsync(PaymentMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Records every request (method, URL, content type, body) and answers with a status, an error, or never.</summary>
    private sealed class Capturing(HttpStatusCode status) : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(HttpMethod Method, Uri Url, string? ContentType, string Body)> _requests = new();

        public Exception? Error { get; init; }

        public bool Silent { get; init; }

        public IReadOnlyList<(HttpMethod Method, Uri Url, string? ContentType, string Body)> Requests => [.. _requests];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            _requests.Enqueue((request.Method, request.RequestUri!, request.Content.Headers.ContentType?.ToString(), body));
            if (Silent)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return Error is { } error ? throw error : new HttpResponseMessage(status);
        }
    }
}
