using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// The janitor's rules to the second, against a stand-in for the Pushgateway API (the real gateway is in
/// <see cref="JanitorTests"/>): which groups go, at exactly which age, the URLs it calls, and what it does when a
/// gateway answers badly.
/// </summary>
public sealed class JanitorSweepTests
{
    private const string Job = "payment-functions";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Uri Shard0 = new("http://gw-0.test:9091/");
    private static readonly Uri Shard1 = new("http://gw-1.test:9091/");

    [Fact]
    public async Task Groups_of_this_job_past_the_ttl_are_deleted_and_every_other_group_is_kept()
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => Ok(Body(
            (Labels(("job", Job), ("instance", "dead")), Ago(61)),
            (Labels(("job", Job), ("instance", "edge")), Ago(60)),          // exactly the TTL old: kept
            (Labels(("job", Job), ("instance", "fresh")), Ago(1)),
            (Labels(("job", Job), ("instance", "never")), null),            // no successful push: as old as it gets
            (Labels(("job", "other-job"), ("instance", "dead")), Ago(600)),
            (Labels(("instance", "jobless")), Ago(600)),
            (Labels(("job", Job), ("instance", "self")), Ago(600)),         // this instance's own group
            (Labels(("job", Job), ("instance", "self"), ("zone", "eu")), Ago(600)))); // not its own: another label set
        await using var app = await StartAsync(api, Shard0);

        var deleted = await Janitor(app).SweepAsync(CancellationToken.None);

        Assert.Equal(3, deleted);
        Assert.Equal(["http://gw-0.test:9091/api/v1/metrics"], api.Reads);
        Assert.Equal(
            [
                $"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("dead")}",
                $"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("never")}",
                $"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("self")}/zone@base64/{B64("eu")}",
            ],
            api.Deleted);
        Assert.Equal(
            [
                "Deleted stale metric group instance=dead,job=payment-functions: last pushed 1.0 min ago, TTL 1 min",
                $"Deleted stale metric group instance=never,job=payment-functions: last pushed {(Now - DateTimeOffset.UnixEpoch).TotalMinutes:F1} min ago, TTL 1 min",
                "Deleted stale metric group instance=self,job=payment-functions,zone=eu: last pushed 10.0 min ago, TTL 1 min",
            ],
            JanitorLogs(app).Select(r => r.Message));
        Assert.All(JanitorLogs(app), r => Assert.Equal(LogLevel.Information, r.Level));
    }

    [Fact]
    public async Task The_ttl_in_force_is_at_least_three_intervals()
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => Ok(Body(
            (Labels(("job", Job), ("instance", "a")), Ago(90)),
            (Labels(("job", Job), ("instance", "b")), Ago(91))));
        await using var app = await StartAsync(api, Shard0, ("MetricPush:IntervalSeconds", "30")); // TTL 1 min, 3 intervals 90 s

        Assert.Equal(1, await Janitor(app).SweepAsync(CancellationToken.None));
        Assert.Equal([$"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("b")}"], api.Deleted);
    }

    [Fact]
    public async Task Every_shard_is_swept_and_one_that_fails_is_logged_without_stopping_the_others()
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => new HttpResponseMessage(HttpStatusCode.BadGateway);
        api.Groups[Shard1.Authority] = () => Ok(Body((Labels(("job", Job), ("instance", "dead")), Ago(61))));
        await using var app = await StartAsync(api, Shard0, Shard1);

        var deleted = await Janitor(app).SweepAsync(CancellationToken.None);

        Assert.Equal(1, deleted);
        Assert.Equal(["http://gw-0.test:9091/api/v1/metrics", "http://gw-1.test:9091/api/v1/metrics"], api.Reads);
        Assert.Equal([$"http://gw-1.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("dead")}"], api.Deleted);
        var failure = JanitorLogs(app).First();
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.StartsWith("Metric group janitor could not sweep the Pushgateway http://gw-0.test:9091/: HttpRequestException: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delete_the_gateway_refuses_ends_the_sweep_of_that_shard_and_is_not_counted()
    {
        var api = new GroupApi { DeleteStatus = HttpStatusCode.InternalServerError };
        api.Groups[Shard0.Authority] = () => Ok(Body(
            (Labels(("job", Job), ("instance", "a")), Ago(61)),
            (Labels(("job", Job), ("instance", "b")), Ago(61))));
        await using var app = await StartAsync(api, Shard0);

        var deleted = await Janitor(app).SweepAsync(CancellationToken.None);

        Assert.Equal(0, deleted);
        Assert.Single(api.Deleted);
        Assert.StartsWith("Metric group janitor could not sweep the Pushgateway http://gw-0.test:9091/: HttpRequestException: ", Assert.Single(JanitorLogs(app)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "JsonException")]
    [InlineData("""{"status":"success"}""", "KeyNotFoundException")]
    [InlineData("""{"data":5}""", "InvalidOperationException")]
    public async Task An_answer_that_is_not_the_group_list_is_logged_and_deletes_nothing(string body, string error)
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => Ok(body);
        await using var app = await StartAsync(api, Shard0);

        Assert.Equal(0, await Janitor(app).SweepAsync(CancellationToken.None));
        Assert.Empty(api.Deleted);
        Assert.StartsWith($"Metric group janitor could not sweep the Pushgateway http://gw-0.test:9091/: {error}: ", Assert.Single(JanitorLogs(app)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_that_times_out_is_logged_and_a_cancelled_sweep_throws()
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => throw new TaskCanceledException("timed out");
        await using var app = await StartAsync(api, Shard0);

        Assert.Equal(0, await Janitor(app).SweepAsync(CancellationToken.None));
        Assert.StartsWith("Metric group janitor could not sweep the Pushgateway http://gw-0.test:9091/: TaskCanceledException: ", Assert.Single(JanitorLogs(app)).Message, StringComparison.Ordinal);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Janitor(app).SweepAsync(new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_starting_instance_deletes_its_group_from_every_other_shard_and_logs_each_that_did_not_take_it_at_debug()
    {
        var shard2 = new Uri("http://gw-2.test:9091/");
        var api = new GroupApi
        {
            LeaveAnswer = url => url.Authority == Shard0.Authority ? throw new HttpRequestException("connection refused") : new HttpResponseMessage(HttpStatusCode.NotFound),
        };
        var own = PushShards.Select("self", 3);
        Assert.Equal(1, own); // FNV-1a of "self" modulo 3: the others are shards 0 and 2
        await using var app = await StartAsync(api, [Shard0, Shard1, shard2], []);

        await Testing.Poll.UntilAsync(() => api.Left.Count == 2, Gateways.Deadline, "the pusher deleted its group from both other shards");

        Assert.Equal(own, app.Pusher.Shard);
        Assert.Equal(new Uri("http://gw-1.test:9091/metrics/job/payment-functions/instance/self"), app.Pusher.GroupUrl);
        Assert.Equal(
            ["http://gw-0.test:9091/metrics/job/payment-functions/instance/self", "http://gw-2.test:9091/metrics/job/payment-functions/instance/self"],
            api.Left);
        await Testing.Poll.UntilAsync(() => PusherLogs(app).Count(r => r.Level == LogLevel.Debug) == 2, Gateways.Deadline, "both failed deletes are logged");
        Assert.Equal(
            [
                (LogLevel.Debug, "Could not delete this instance's group http://gw-0.test:9091/metrics/job/payment-functions/instance/self from another Pushgateway shard (connection refused); the janitor expires it"),
                (LogLevel.Debug, "Could not delete this instance's group http://gw-2.test:9091/metrics/job/payment-functions/instance/self from another Pushgateway shard (HTTP 404); the janitor expires it"),
                (LogLevel.Information, "Pushing metrics to http://gw-1.test:9091/metrics/job/payment-functions/instance/self (Pushgateway 2 of 3) as protobuf with created timestamps after invocations and every 5 s, at most once per 0.05 s; counts go out 0 s after the first push, which carries every series at zero"),
            ],
            PusherLogs(app).Select(r => (r.Level, r.Message)).Order());
    }

    [Fact]
    public async Task A_gracefully_stopped_group_goes_once_no_rate_window_holds_its_final_values_a_silent_one_keeps_the_ttl()
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => Ok(Finished(
            (Labels(("job", Job), ("instance", "stopped")), Ago(331), Final: 1, Failures: 0),
            (Labels(("job", Job), ("instance", "stopped-edge")), Ago(330), Final: 1, Failures: 0),      // exactly the retention: kept
            (Labels(("job", Job), ("instance", "stopped-failing")), Ago(600), Final: 1, Failures: 2),    // the failure rule's 10 min
            (Labels(("job", Job), ("instance", "stopped-failed")), Ago(631), Final: 1, Failures: 2),
            (Labels(("job", Job), ("instance", "silent")), Ago(899), Final: 0, Failures: 0),            // no final push: the TTL
            (Labels(("job", Job), ("instance", "silent-old")), Ago(901), Final: 0, Failures: 0)));
        await using var app = await StartAsync(api, Shard0, ("MetricPush:GroupTtlMinutes", "15"));

        var deleted = await Janitor(app).SweepAsync(CancellationToken.None);

        Assert.Equal(3, deleted);
        Assert.Equal(
            [
                $"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("stopped")}",
                $"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("stopped-failed")}",
                $"http://gw-0.test:9091/metrics/job@base64/{B64(Job)}/instance@base64/{B64("silent-old")}",
            ],
            api.Deleted);
        Assert.Equal(
            [
                "Deleted finished metric group instance=stopped,job=payment-functions: its instance stopped gracefully 331 s ago, retention 330 s",
                "Deleted finished metric group instance=stopped-failed,job=payment-functions: its instance stopped gracefully 631 s ago, retention 630 s",
                "Deleted stale metric group instance=silent-old,job=payment-functions: last pushed 15.0 min ago, TTL 15 min",
            ],
            JanitorLogs(app).Select(r => r.Message));
    }

    [Fact]
    public async Task A_finished_group_never_outlives_the_ttl()
    {
        var api = new GroupApi();
        api.Groups[Shard0.Authority] = () => Ok(Finished((Labels(("job", Job), ("instance", "stopped-failed")), Ago(61), Final: 1, Failures: 1)));
        await using var app = await StartAsync(api, Shard0); // TTL 1 min

        Assert.Equal(1, await Janitor(app).SweepAsync(CancellationToken.None));
    }

    [Fact]
    public async Task With_one_gateway_nothing_is_deleted_at_start()
    {
        var api = new GroupApi();
        await using var app = await StartAsync(api, Shard0);

        await app.StopAsync(); // the loop, and whatever it started, has ended

        Assert.Empty(api.Left);
    }

    [Fact]
    public async Task Without_a_gateway_the_janitor_does_nothing()
    {
        await using var app = await DeliveryApp.StartAsync(gateway: null);

        Assert.Equal(0, await Janitor(app).SweepAsync(CancellationToken.None));
        Assert.Empty(JanitorLogs(app));
    }

    private static Task<DeliveryApp> StartAsync(GroupApi api, Uri shard, params (string Key, string? Value)[] settings) =>
        StartAsync(api, [shard], settings);

    private static Task<DeliveryApp> StartAsync(GroupApi api, Uri shard0, Uri shard1) => StartAsync(api, [shard0, shard1], []);

    private static Task<DeliveryApp> StartAsync(GroupApi api, Uri[] shards, (string Key, string? Value)[] settings) =>
        DeliveryApp.StartAsync(
            [
                ("MetricPush:Url", string.Join(',', shards.Select(s => s.ToString()))),
                ("MetricPush:Instance", "self"),
                ("MetricPush:GroupTtlMinutes", "1"),
                ("MetricPush:IntervalSeconds", "5"),
                .. settings,
            ],
            new FakeTimeProvider(Now),
            () => api);

    private static PushGroupJanitor Janitor(DeliveryApp app) => app.Services.GetRequiredService<PushGroupJanitor>();

    private static List<Microsoft.Extensions.Logging.Testing.FakeLogRecord> PusherLogs(DeliveryApp app) =>
        [.. app.Logs!.GetSnapshot().Where(r => r.Category == typeof(PushgatewayPusher).FullName)];

    private static List<Microsoft.Extensions.Logging.Testing.FakeLogRecord> JanitorLogs(DeliveryApp app) =>
        [.. app.Logs!.GetSnapshot().Where(r => r.Category == typeof(PushGroupJanitor).FullName)];

    private static double Ago(int seconds) => (Now - DateTimeOffset.UnixEpoch).TotalSeconds - seconds;

    private static Dictionary<string, string> Labels(params (string Name, string Value)[] labels) => labels.ToDictionary(l => l.Name, l => l.Value);

    private static string B64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).Replace('+', '-').Replace('/', '_');

    /// <summary>The body of <c>GET /api/v1/metrics</c>, as the Pushgateway shapes it.</summary>
    private static string Body(params (Dictionary<string, string> Labels, double? PushTime)[] groups) =>
        JsonSerializer.Serialize(new
        {
            status = "success",
            data = groups.Select(g => g.PushTime is { } time
                ? (object)new
                {
                    labels = g.Labels,
                    push_time_seconds = new
                    {
                        type = "GAUGE",
                        metrics = new[] { new { labels = g.Labels, value = time.ToString("E9", CultureInfo.InvariantCulture) } },
                    },
                }
                : new { labels = g.Labels }),
        });

    /// <summary>As <see cref="Body"/>, each group also carrying its final-push gauge and a push-failure counter.</summary>
    private static string Finished(params (Dictionary<string, string> Labels, double PushTime, double Final, double Failures)[] groups) =>
        JsonSerializer.Serialize(new
        {
            status = "success",
            data = groups.Select(g => new Dictionary<string, object>
            {
                ["labels"] = g.Labels,
                ["push_time_seconds"] = Family("GAUGE", g.Labels, g.PushTime),
                ["metric_push_final_timestamp_seconds"] = Family("GAUGE", g.Labels, g.Final),
                ["metric_push_failures_total"] = new
                {
                    type = "COUNTER",
                    metrics = new[]
                    {
                        new { labels = new Dictionary<string, string>(g.Labels) { ["reason"] = "connection" }, value = "0" },
                        new { labels = new Dictionary<string, string>(g.Labels) { ["reason"] = "timeout" }, value = g.Failures.ToString(CultureInfo.InvariantCulture) },
                    },
                },
            }),
        });

    private static object Family(string type, Dictionary<string, string> labels, double value) =>
        new { type, metrics = new[] { new { labels, value = value.ToString("E9", CultureInfo.InvariantCulture) } } };

    private static HttpResponseMessage Ok(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>The Pushgateway API the janitor reads and deletes through; pushes are answered 200 and not recorded.</summary>
    private sealed class GroupApi : HttpMessageHandler
    {
        private readonly ConcurrentQueue<string> _reads = new();
        private readonly ConcurrentQueue<string> _deleted = new();

        /// <summary>The answer to <c>GET /api/v1/metrics</c>, by shard authority.</summary>
        public ConcurrentDictionary<string, Func<HttpResponseMessage>> Groups { get; } = new();

        public HttpStatusCode DeleteStatus { get; init; } = HttpStatusCode.Accepted;

        /// <summary>The answer to the pusher's own deletes of its group on the other shards.</summary>
        public Func<Uri, HttpResponseMessage> LeaveAnswer { get; init; } = _ => new HttpResponseMessage(HttpStatusCode.Accepted);

        public IReadOnlyList<string> Reads => [.. _reads];

        /// <summary>The janitor's deletes (by base64 labels); the pusher's own deletes on other shards use plain segments.</summary>
        public IReadOnlyList<string> Deleted => [.. _deleted.Where(u => u.Contains("@base64", StringComparison.Ordinal))];

        /// <summary>The pusher's deletes of its own group on the other shards, in order.</summary>
        public IReadOnlyList<string> Left => [.. _deleted.Where(u => !u.Contains("@base64", StringComparison.Ordinal))];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var url = request.RequestUri!;
            if (request.Method == HttpMethod.Get)
            {
                _reads.Enqueue(url.AbsoluteUri);
                return Task.FromResult(Groups[url.Authority]());
            }

            if (request.Method == HttpMethod.Delete)
            {
                _deleted.Enqueue(url.AbsoluteUri);
                return Task.FromResult(url.AbsoluteUri.Contains("@base64", StringComparison.Ordinal) ? new HttpResponseMessage(DeleteStatus) : LeaveAnswer(url));
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
