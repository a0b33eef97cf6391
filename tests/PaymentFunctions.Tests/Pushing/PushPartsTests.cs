using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>The pusher's small parts, to the value: group URLs, failure reasons, push telemetry, the HTTP clients' settings, held exposition lines.</summary>
public sealed class PushPartsTests
{
    [Theory]
    [InlineData("http://gw:9091", "http://gw:9091/metrics")]
    [InlineData("http://gw:9091/", "http://gw:9091/metrics")]
    [InlineData("https://gw.example/base/", "https://gw.example/base/metrics")]
    public void The_metrics_endpoint_is_the_base_url_with_metrics_appended(string baseUrl, string expected) =>
        Assert.Equal(expected, GroupingKey.MetricsEndpoint(new Uri(baseUrl)));

    [Fact]
    public void The_group_url_carries_job_and_instance_as_path_segments() =>
        Assert.Equal(
            "http://gw:9091/metrics/job/payment-functions/instance/i-1",
            GroupingKey.GroupUrl(new Uri("http://gw:9091/"), "payment-functions", "i-1").AbsoluteUri);

    [Fact]
    public void Any_group_url_puts_job_first_then_the_other_labels_sorted_all_base64url_encoded()
    {
        var labels = new Dictionary<string, string> { ["zone"] = "eu", ["instance"] = "pod/7?>", ["job"] = "j", ["empty"] = "" };

        var url = GroupingKey.GroupUrl(new Uri("http://gw:9091"), labels);

        // "pod/7?>" is cG9kLzc/Pg== in base64: '/' becomes '_' in base64url; an empty value is '='.
        Assert.Equal("http://gw:9091/metrics/job@base64/ag==/empty@base64/=/instance@base64/cG9kLzc_Pg==/zone@base64/ZXU=", url.AbsoluteUri);
        Assert.Equal("http://gw:9091/metrics/job@base64/ag==/x@base64/fn5-", GroupingKey.GroupUrl(new Uri("http://gw:9091"), new Dictionary<string, string> { ["job"] = "j", ["x"] = "~~~" }).AbsoluteUri);
    }

    [Theory]
    [InlineData("a.b-c_D9", true)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("é", false)]
    public void Safe_segments_are_ascii_letters_digits_dot_dash_and_underscore(string value, bool safe) =>
        Assert.Equal(safe, GroupingKey.IsSafeSegment(value));

    [Theory]
    [InlineData("http://gw:9091", "http://gw:9091/api/v1/metrics")]
    [InlineData("https://gw.example/metrics/", "https://gw.example/metrics/api/v1/metrics")]
    [InlineData("https://proxy.example/metrics/gateway", "https://proxy.example/metrics/gateway/api/v1/metrics")]
    public void The_groups_endpoint_is_built_from_the_base_url_whatever_its_path_holds(string baseUrl, string expected) =>
        Assert.Equal(expected, GroupingKey.GroupsEndpoint(new Uri(baseUrl)).AbsoluteUri);

    [Theory]
    [InlineData(401, "unauthorized")]
    [InlineData(403, "unauthorized")]
    [InlineData(400, "rejected")]
    [InlineData(404, "rejected")]
    [InlineData(499, "rejected")]
    [InlineData(500, "server_error")]
    [InlineData(503, "server_error")]
    [InlineData(399, "server_error")]
    public void A_failed_response_has_a_reason_from_a_fixed_set(int status, string reason) =>
        Assert.Equal(reason, FailureReasons.For((HttpStatusCode)status));

    public static TheoryData<Exception, string> Exceptions => new()
    {
        { new TaskCanceledException(), "timeout" },
        { new TimeoutException(), "timeout" },
        { new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), "connection" },
        { new HttpRequestException(HttpRequestError.ConnectionError, "refused"), "connection" },
        { new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"), "connection" },
        { new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), "transport" },
        { new InvalidOperationException(), "other" },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void A_failed_attempt_has_a_reason_from_a_fixed_set(Exception error, string reason) =>
        Assert.Equal(reason, FailureReasons.For(error));

    [Fact]
    public async Task Push_telemetry_records_duration_last_success_and_failures_by_reason()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PushHealthMetrics(registry);
        var answers = new Queue<Func<HttpResponseMessage>>(
        [
            () => { clock.Advance(TimeSpan.FromMilliseconds(30)); return new HttpResponseMessage(HttpStatusCode.OK); },
            () => { clock.Advance(TimeSpan.FromMilliseconds(500)); return new HttpResponseMessage(HttpStatusCode.Unauthorized); },
            () => { clock.Advance(TimeSpan.FromSeconds(2)); throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"); },
        ]);
        using var http = new HttpClient(new PushTelemetryHandler(metrics, clock) { InnerHandler = new Answering(() => answers.Dequeue()()) });

        using var ok = await http.PutAsync(new Uri("http://gw.test/metrics"), null);
        using var refused = await http.PutAsync(new Uri("http://gw.test/metrics"), null);
        var failed = await Assert.ThrowsAsync<HttpRequestException>(() => http.PutAsync(new Uri("http://gw.test/metrics"), null));

        Assert.Equal("refused", failed.Message);
        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(1_700_000_000.28, text.Value("metric_push_last_success_timestamp_seconds"), 6);
        Assert.Equal(3, text.Value("metric_push_duration_seconds_count"));
        Assert.Equal(2.53, text.Value("metric_push_duration_seconds_sum"), 9);
        Assert.Equal(1, text.Value("metric_push_duration_seconds_bucket", ("le", "0.05")));
        Assert.Equal(2, text.Value("metric_push_duration_seconds_bucket", ("le", "1")));
        Assert.Equal(1, text.Value("metric_push_failures_total", ("reason", "unauthorized")));
        Assert.Equal(1, text.Value("metric_push_failures_total", ("reason", "connection")));
        Assert.Equal(2, text.Find("metric_push_failures_total").Count());
    }

    [Fact]
    public void The_push_client_waits_forever_and_leaves_timeouts_to_the_retry_pipeline_and_the_janitor_client_times_out()
    {
        var settings = new PushOptions { TimeoutSeconds = 7 };
        using var push = PushHttp.Configure(new HttpClient(), settings, forPush: true);
        using var janitor = PushHttp.Configure(new HttpClient(), settings, forPush: false);

        Assert.Equal(Timeout.InfiniteTimeSpan, push.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(7), janitor.Timeout);
        Assert.Null(push.DefaultRequestHeaders.Authorization);
    }

    [Fact]
    public void With_credentials_both_clients_send_basic_auth_of_user_colon_password()
    {
        var settings = new PushOptions { Username = "user", Password = "pä:ss" };

        using var client = PushHttp.Configure(new HttpClient(), settings, forPush: true);

        var header = client.DefaultRequestHeaders.Authorization!;
        Assert.Equal("Basic", header.Scheme);
        Assert.Equal("user:pä:ss", Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!)));
    }

    [Fact]
    public void Held_exposition_zeroes_summaries_and_values_after_label_values_with_escaped_backslashes_and_keeps_untyped_values()
    {
        const string exposition = "# TYPE a summary\na{quantile=\"0.5\",p=\"x\\\\\"} 3\na_sum   4\n# TYPE b untyped\nb 5\nb{l=\"}\"}   6\n";

        var held = Encoding.UTF8.GetString(TextExposition.Parse(Encoding.UTF8.GetBytes(exposition)).WriteHeld());

        Assert.Equal("# TYPE a summary\na{quantile=\"0.5\",p=\"x\\\\\"} 0\na_sum   0\n# TYPE b untyped\nb 5\nb{l=\"}\"}   6\n", held);
    }

    [Theory]
    [InlineData("# TYPE c counter\nc\n", "Line 2 of the registry's exposition cannot be read (the value '' is not a number): c")]
    [InlineData("# TYPE c counter\nc{l=\"v\"\n", "Line 2 of the registry's exposition cannot be read (unterminated labels): c{l=\"v\"")]
    [InlineData("# TYPE c counter\nc 1 1700000000000\n", "Line 2 of the registry's exposition cannot be read (a sample with a timestamp): c 1 1700000000000")]
    [InlineData("c 1\n", "Line 1 of the registry's exposition cannot be read (a sample before any # TYPE line): c 1")]
    [InlineData("# TYPE c meter\n", "Line 1 of the registry's exposition cannot be read (the unknown type 'meter'): # TYPE c meter")]
    public void A_line_the_parser_cannot_read_is_refused_naming_the_line_and_why(string exposition, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => TextExposition.Parse(Encoding.UTF8.GetBytes(exposition))).Message);

    [Fact]
    public async Task Registering_the_push_twice_keeps_one_pusher_and_times_each_push_once()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["MetricPush:Url"] = "http://gw.test:9091", ["MetricPush:Job"] = "j" })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPrometheusPush("MetricPush");
        services.AddPrometheusPush("MetricPush");
        services.AddHttpClient(PushHttp.PushClientName).ConfigurePrimaryHttpMessageHandler(() => new Answering(() => new HttpResponseMessage(HttpStatusCode.OK)));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(PushHttp.PushClientName);
        using (var content = new StringContent("a 1\n"))
        using (var response = await client.PutAsync(new Uri("http://gw.test:9091/metrics/job/j"), content))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A second registration would add a second telemetry handler to the push client: every push timed twice.
        var text = await PrometheusText.FromRegistryAsync(provider.GetRequiredService<Prometheus.CollectorRegistry>());
        Assert.Equal(1, text.Value("metric_push_duration_seconds_count"));
        Assert.Single(provider.GetServices<Microsoft.Extensions.Hosting.IHostedService>());
    }

    private sealed class Answering(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer());
    }
}
