using System.Net;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Payments;
using PaymentFunctions.SystemMetrics;
using PaymentFunctions.Testing;
using Prometheus;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>What one push sends (method, format, encoding, body, created timestamps, held or not) and what it reports, to the value.</summary>
public sealed class PushClientTests
{
    private static readonly Uri Group = new("http://pushgateway.test:9091/metrics/job/j/instance/i");

    [Fact]
    public async Task A_push_puts_the_registry_as_gzipped_protobuf_with_every_value_of_the_export_to_the_group_url()
    {
        var metrics = new Catalogue();
        metrics.Payments.PaymentRequests.WithLabels("success", "stripe", "premium").Inc(3);
        metrics.Payments.PaymentDuration.WithLabels("stripe", "credit_card").Observe(0.3);
        metrics.Host.MemoryUsage.WithLabels("used").Set(42);
        var gateway = new Capturing(HttpStatusCode.OK);

        var outcome = await PushAsync(gateway, metrics, holdCounts: false);

        Assert.Equal(new PushOutcome(true, 1, null, null), outcome);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal(HttpMethod.Put, request.Method);
        Assert.Equal(Group, request.Url);
        Assert.Equal("application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", request.ContentType);
        Assert.Equal(["gzip"], request.ContentEncoding);
        var pushed = PrometheusText.Parse(request.Body);
        Assert.Equal(3, pushed.Value("payment_requests_total", ("status", "success"), ("user_tier", "premium")));
        Assert.Equal(1, pushed.Value("payment_duration_seconds_bucket", ("gateway", "stripe"), ("le", "0.5")));
        Assert.Equal(0, pushed.Value("payment_duration_seconds_bucket", ("gateway", "stripe"), ("le", "0.25")));
        Assert.Equal(42, pushed.Value("memory_usage_bytes", ("type", "used")));

        // Every sample of the export, with its value, and no other.
        var exported = PrometheusText.Parse(await ExportAsync(metrics));
        Assert.Equal(Describe(exported), Describe(pushed));
    }

    [Fact]
    public async Task Every_counter_and_histogram_series_carries_its_created_timestamp_and_gauges_none()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123));
        var metrics = new Catalogue();
        metrics.Payments.PaymentRequests.WithLabels("success", "stripe", "premium");
        metrics.Invocations.Duration.WithLabels("ProcessPayment");
        metrics.Host.MemoryUsage.WithLabels("used").Set(1);
        var gateway = new Capturing(HttpStatusCode.OK);
        using var http = new HttpClient(gateway);
        var started = time.GetUtcNow();
        var client = Client(http, metrics, Options(0), time);
        time.Advance(TimeSpan.FromSeconds(3));

        await client.PushAsync(Group, holdCounts: false, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));
        var secondCollection = time.GetUtcNow();
        await client.PushAsync(Group, holdCounts: false, CancellationToken.None);
        metrics.Payments.PaymentRequests.WithLabels("failed", "stripe", "premium").Inc(); // created between the second and the third push
        time.Advance(TimeSpan.FromSeconds(2));
        await client.PushAsync(Group, holdCounts: false, CancellationToken.None);

        var created = PushedBody.CreatedTimestamps(gateway.Requests[^1].Bytes);
        Assert.Equal(started, One(created, "payment_requests_total", "success").Created);
        Assert.Equal(secondCollection, One(created, "payment_requests_total", "failed").Created);
        Assert.Equal(started, One(created, "function_duration_seconds", null).Created);
        Assert.DoesNotContain(created, c => c.Family is "memory_usage_bytes" or "process_start_time_seconds");
        Assert.Equal(
            metrics.Payments.PaymentRequests.GetAllLabelValues().Count() + metrics.Invocations.Duration.GetAllLabelValues().Count() + 1 /* push duration */,
            created.Count);
    }

    [Fact]
    public async Task A_held_push_carries_counters_and_histograms_at_zero_and_gauges_as_they_are_in_either_format()
    {
        foreach (var format in new[] { PushFormat.Protobuf, PushFormat.Text })
        {
            var metrics = new Catalogue();
            metrics.Payments.PaymentRequests.WithLabels("success", "stripe", "premium").Inc(3);
            metrics.Payments.PaymentDuration.WithLabels("stripe", "credit_card").Observe(0.3);
            metrics.Host.MemoryUsage.WithLabels("used").Set(42);
            var gateway = new Capturing(HttpStatusCode.OK);

            await PushAsync(gateway, metrics, holdCounts: true, format: format);

            var text = PrometheusText.Parse(Assert.Single(gateway.Requests).Body);
            Assert.Equal(0, text.Value("payment_requests_total", ("status", "success"), ("user_tier", "premium")));
            Assert.Equal(0, text.Value("payment_duration_seconds_count", ("gateway", "stripe")));
            Assert.Equal(0, text.Value("payment_duration_seconds_bucket", ("gateway", "stripe"), ("le", "+Inf")));
            Assert.Equal(42, text.Value("memory_usage_bytes", ("type", "used")));
        }
    }

    [Fact]
    public async Task With_the_text_format_a_push_is_the_export_itself_and_without_gzip_it_is_not_compressed()
    {
        var metrics = new Catalogue();
        metrics.Payments.PaymentRequests.WithLabels("success", "stripe", "premium").Inc(3);
        var gateway = new Capturing(HttpStatusCode.OK);

        await PushAsync(gateway, metrics, holdCounts: false, format: PushFormat.Text, gzip: false);

        var request = Assert.Single(gateway.Requests);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", request.ContentType);
        Assert.Empty(request.ContentEncoding);
        Assert.Equal(await ExportAsync(metrics), request.Body);
    }

    [Theory]
    [InlineData(HttpStatusCode.UnsupportedMediaType)]
    [InlineData(HttpStatusCode.BadRequest)]
    public async Task A_gateway_that_refuses_protobuf_but_takes_text_gets_text_from_then_on_with_one_warning(HttpStatusCode refusal)
    {
        var metrics = new Catalogue();
        metrics.Payments.PaymentRequests.WithLabels("success", "stripe", "premium").Inc(3);
        var gateway = new Capturing(HttpStatusCode.OK) { Refuse = contentType => PushedBody.IsProtobuf(contentType) ? refusal : null };
        using var http = new HttpClient(new PushTelemetryHandler(metrics.Health, TimeProvider.System) { InnerHandler = gateway });
        var client = Client(http, metrics, Options(2), TimeProvider.System);

        var first = await client.PushAsync(Group, holdCounts: false, CancellationToken.None);
        var second = await client.PushAsync(Group, holdCounts: false, CancellationToken.None);

        Assert.Equal(
            new PushOutcome(true, 2, null, null, $"the Pushgateway refused the protobuf push (HTTP {(int)refusal}: cannot read this) and took it as text; pushing text from now on, without created timestamps (a scraper then needs FirstValuesDelaySeconds to count a new instance's first values)"),
            first);
        Assert.Equal(new PushOutcome(true, 1, null, null), second);
        Assert.True(client.PushesText);
        Assert.Equal([true, false, false], gateway.Requests.Select(r => PushedBody.IsProtobuf(r.ContentType)));
        Assert.Equal(3, PrometheusText.Parse(gateway.Requests[^1].Body).Value("payment_requests_total", ("status", "success"), ("user_tier", "premium")));
        var registry = await PrometheusText.FromRegistryAsync(metrics.Registry);
        Assert.Equal(1, registry.Value("metric_push_failures_total", ("reason", "rejected")));
    }

    [Theory]
    [InlineData("", "no reason given")]
    [InlineData(" \n ", "no reason given")]
    [InlineData(200, null)]
    [InlineData(201, null)]
    public async Task The_refusal_s_reason_is_its_body_on_one_line_up_to_200_characters(object body, string? reason)
    {
        var text = body as string ?? new string('r', (int)body);
        var expected = reason ?? (text.Length <= 200 ? text : text[..200] + "...");
        var gateway = new Capturing(HttpStatusCode.OK) { Refuse = contentType => PushedBody.IsProtobuf(contentType) ? HttpStatusCode.BadRequest : null, RefusalBody = text };
        using var http = new HttpClient(gateway);
        var client = Client(http, new Catalogue(), Options(0), TimeProvider.System);

        var outcome = await client.PushAsync(Group, holdCounts: false, CancellationToken.None);

        Assert.StartsWith($"the Pushgateway refused the protobuf push (HTTP 400: {expected}) and took it as text", outcome.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_push_refused_in_both_formats_stays_protobuf_and_fails_as_rejected()
    {
        var gateway = new Capturing(HttpStatusCode.BadRequest);
        using var http = new HttpClient(gateway);
        var client = Client(http, new Catalogue(), Options(2), TimeProvider.System);

        var outcome = await client.PushAsync(Group, holdCounts: false, CancellationToken.None);

        Assert.Equal(new PushOutcome(false, 2, "rejected", "HTTP 400"), outcome);
        Assert.False(client.PushesText);
        Assert.Equal([true, false], gateway.Requests.Select(r => PushedBody.IsProtobuf(r.ContentType)));
    }

    [Fact]
    public async Task A_registry_that_cannot_be_encoded_goes_out_as_text_counted_as_an_encoding_failure_and_reported_once()
    {
        var metrics = new Catalogue();
        const string Export = "# HELP x_total x\n# TYPE x_total counter\nx_total{a=\"b\"} 2\nx_total{a=\"c\"} many\n";
        var gateway = new Capturing(HttpStatusCode.OK);
        using var http = new HttpClient(gateway);
        var client = new PushClient(() => http, metrics.Health, (stream, token) => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Export), token).AsTask(), Options(0), TimeProvider.System, TimeProvider.System.GetUtcNow());

        var first = await client.PushAsync(Group, holdCounts: false, CancellationToken.None);
        var second = await client.PushAsync(Group, holdCounts: false, CancellationToken.None);

        Assert.Equal(
            new PushOutcome(true, 1, null, null, "the registry could not be encoded as protobuf, so it was pushed as text (Line 4 of the registry's exposition cannot be read (the value 'many' is not a number): x_total{a=\"c\"} many)"),
            first);
        Assert.Equal(new PushOutcome(true, 1, null, null), second);
        Assert.All(gateway.Requests, r => Assert.Equal((Export, "text/plain; version=0.0.4; charset=utf-8"), (r.Body, r.ContentType)));
        Assert.False(client.PushesText); // the next push tries protobuf again
        var registry = await PrometheusText.FromRegistryAsync(metrics.Registry);
        Assert.Equal(2, registry.Value("metric_push_failures_total", ("reason", "encoding")));
    }

    [Theory]
    [InlineData(PushFormat.Protobuf, "the registry could not be encoded as protobuf, so it was pushed as text")]
    [InlineData(PushFormat.Text, "the registry could not be read to hold its counts at 0, so it was pushed as collected")]
    public async Task A_held_push_of_a_registry_that_cannot_be_read_goes_out_as_collected_counted_once_per_push(PushFormat format, string warning)
    {
        var metrics = new Catalogue();
        const string Export = "# HELP x_total x\n# TYPE x_total counter\nx_total{a=\"c\"} many\n";
        var gateway = new Capturing(HttpStatusCode.OK);
        using var http = new HttpClient(gateway);
        var client = new PushClient(() => http, metrics.Health, (stream, token) => stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Export), token).AsTask(), Options(0, format: format), TimeProvider.System, TimeProvider.System.GetUtcNow());

        var outcome = await client.PushAsync(Group, holdCounts: true, CancellationToken.None);

        Assert.Equal(new PushOutcome(true, 1, null, null, $"{warning} (Line 3 of the registry's exposition cannot be read (the value 'many' is not a number): x_total{{a=\"c\"}} many)"), outcome);
        Assert.Equal(Export, Assert.Single(gateway.Requests).Body);
        Assert.Equal(1, (await PrometheusText.FromRegistryAsync(metrics.Registry)).Value("metric_push_failures_total", ("reason", "encoding")));
    }

    [Fact]
    public async Task Without_retries_a_failing_gateway_gets_one_attempt()
    {
        var gateway = new Capturing(HttpStatusCode.ServiceUnavailable);

        var outcome = await PushAsync(gateway, new Catalogue(), holdCounts: false, retries: 0);

        Assert.Equal(new PushOutcome(false, 1, "server_error", "HTTP 503") { Overloaded = true }, outcome);
        Assert.Single(gateway.Requests);
    }

    [Fact]
    public async Task A_refusal_reports_its_reason_and_status()
    {
        var outcome = await PushAsync(new Capturing(HttpStatusCode.Forbidden), new Catalogue(), holdCounts: false);

        Assert.Equal(new PushOutcome(false, 1, "unauthorized", "HTTP 403"), outcome);
    }

    [Fact]
    public async Task A_transport_failure_reports_its_reason_and_message_and_a_timeout_says_so()
    {
        var broken = new Capturing(HttpStatusCode.OK) { Error = new HttpRequestException(HttpRequestError.ResponseEnded, "the gateway hung up") };
        var silent = new Capturing(HttpStatusCode.OK) { Silent = true };

        var failed = await PushAsync(broken, new Catalogue(), holdCounts: false);
        var timedOut = await PushAsync(silent, new Catalogue(), holdCounts: false);

        Assert.Equal(new PushOutcome(false, 3, "transport", "the gateway hung up"), failed);
        Assert.Equal(new PushOutcome(false, 3, "timeout", "no answer within the push timeout") { Overloaded = true }, timedOut);
    }

    [Fact]
    public async Task A_cancelled_push_throws()
    {
        var silent = new Capturing(HttpStatusCode.OK) { Silent = true };
        using var http = new HttpClient(silent);
        var client = Client(http, new Catalogue(), Options(2, timeoutSeconds: 30), TimeProvider.System);
        using var cancel = new CancellationTokenSource();

        var push = client.PushAsync(Group, holdCounts: false, cancel.Token);
        await Poll.UntilAsync(() => silent.Requests.Count >= 1, TimeSpan.FromSeconds(10), "the push reached the gateway");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => push);
    }

    private static PushOptions Options(int retries, double timeoutSeconds = 0.2, PushFormat format = PushFormat.Protobuf, bool gzip = true) => new()
    {
        Url = "http://pushgateway.test:9091",
        MaxRetryAttempts = retries,
        RetryDelaySeconds = 0.001,
        TimeoutSeconds = timeoutSeconds,
        IntervalSeconds = 1,
        Format = format,
        Gzip = gzip,
    };

    private static async Task<PushOutcome> PushAsync(
        Capturing gateway, Catalogue metrics, bool holdCounts, int retries = 2, PushFormat format = PushFormat.Protobuf, bool gzip = true)
    {
        using var http = new HttpClient(gateway);
        var client = Client(http, metrics, Options(retries, format: format, gzip: gzip), TimeProvider.System);
        return await client.PushAsync(Group, holdCounts, CancellationToken.None);
    }

    private static async Task<string> ExportAsync(Catalogue metrics)
    {
        using var stream = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static PushClient Client(HttpClient http, Catalogue metrics, PushOptions options, TimeProvider time) =>
        new(() => http, metrics.Health, metrics.Registry.CollectAndExportAsTextAsync, options, time, time.GetUtcNow());

    private static List<string> Describe(PrometheusText text) =>
        [.. text.Samples.Select(s => $"{s.Name}{{{string.Join(",", s.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"))}}} {s.Value}").Order()];

    private static CreatedSeries One(IReadOnlyList<CreatedSeries> created, string family, string? status) =>
        Assert.Single(created, c => c.Family == family && (status is null || c.Labels["status"] == status));

    /// <summary>What an app pushes, on one registry: payment and system metrics, and the library's invocation and push-health metrics.</summary>
    private sealed class Catalogue
    {
        public Catalogue()
        {
            Payments = new PaymentMetrics(Registry);
            Host = new HostMetrics(Registry);
            Invocations = new InvocationMetrics(Registry);
            Health = new PushHealthMetrics(Registry);
        }

        public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

        public PaymentMetrics Payments { get; }

        public HostMetrics Host { get; }

        public InvocationMetrics Invocations { get; }

        public PushHealthMetrics Health { get; }
    }

    /// <summary>
    /// Records every request (method, URL, content type and encoding, body as text and as bytes) and answers with a
    /// status, a refusal for some content types, an error, or never.
    /// </summary>
    private sealed class Capturing(HttpStatusCode status) : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<Captured> _requests = new();

        public Exception? Error { get; init; }

        public bool Silent { get; init; }

        /// <summary>The body of a refusal (<see cref="Refuse"/>).</summary>
        public string RefusalBody { get; init; } = "cannot\nread this\n";

        /// <summary>A status for requests of some content types (null: the usual status).</summary>
        public Func<string?, HttpStatusCode?> Refuse { get; init; } = _ => null;

        public IReadOnlyList<Captured> Requests => [.. _requests];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var contentType = request.Content!.Headers.ContentType?.ToString();
            _requests.Enqueue(new Captured(
                request.Method,
                request.RequestUri!,
                contentType,
                [.. request.Content.Headers.ContentEncoding],
                await PushedBody.ToTextAsync(request.Content, cancellationToken),
                await PushedBody.BytesAsync(request.Content, cancellationToken)));
            if (Silent)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            if (Error is { } error)
            {
                throw error;
            }

            return Refuse(contentType) is { } refusal
                ? new HttpResponseMessage(refusal) { Content = new StringContent(RefusalBody) }
                : new HttpResponseMessage(status);
        }
    }

    private sealed record Captured(HttpMethod Method, Uri Url, string? ContentType, string[] ContentEncoding, string Body, byte[] Bytes);
}
