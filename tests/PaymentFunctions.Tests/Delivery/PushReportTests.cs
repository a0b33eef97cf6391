using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// What the pusher says about its pushes: one warning when they start failing, debug lines while they keep failing,
/// one line when they land again, nothing while they succeed. Pushes are made with <see cref="PushgatewayPusher.PushNowAsync"/>
/// on a clock that stands still, so no heartbeat or retry interferes.
/// </summary>
public sealed class PushReportTests
{
    private const string Group = "http://gw.test:9091/metrics/job/payment-functions/instance/test-instance";

    [Fact]
    public async Task Failures_warn_once_then_log_at_debug_and_the_recovery_is_logged_once()
    {
        var answers = new Queue<HttpStatusCode>([HttpStatusCode.OK, HttpStatusCode.InternalServerError, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK]);
        var gateway = new Scripted(() => answers.TryDequeue(out var status) ? status : HttpStatusCode.OK); // then the final push at stop
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", "http://gw.test:9091"), ("MetricPush:MaxRetryAttempts", "0")],
            new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            () => gateway);

        bool[] landed =
        [
            await app.Pusher.PushNowAsync(CancellationToken.None),
            await app.Pusher.PushNowAsync(CancellationToken.None),
            await app.Pusher.PushNowAsync(CancellationToken.None),
            await app.Pusher.PushNowAsync(CancellationToken.None),
            await app.Pusher.PushNowAsync(CancellationToken.None),
        ];

        Assert.Equal([true, false, false, true, true], landed);
        Assert.Equal(5, app.Pusher.CompletedPushes);
        Assert.Equal(
            [
                (LogLevel.Information, $"Pushing metrics to {Group} (Pushgateway 1 of 1) as protobuf with created timestamps after invocations and every 3600 s, at most once per 0.05 s; counts go out 0 s after the first push, which carries every series at zero"),
                (LogLevel.Warning, $"Metric pushes to {Group} are failing (server_error after 1 attempts: HTTP 500); values keep accumulating and go out with the next successful push"),
                (LogLevel.Debug, "Metric push failed again (unauthorized after 1 attempts: HTTP 401)"),
                (LogLevel.Information, $"Metric pushes to {Group} succeed again"),
            ],
            app.Logs!.GetSnapshot().Where(r => r.Category == typeof(PushgatewayPusher).FullName).Select(r => (r.Level, r.Message)));
    }

    [Fact]
    public async Task The_instance_start_time_is_set_when_the_pusher_starts_to_the_millisecond()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_250));
        await using var app = await DeliveryApp.StartAsync([("MetricPush:Url", "http://gw.test:9091")], clock, () => new Scripted(() => HttpStatusCode.OK));

        var text = await app.ScrapeRegistryAsync();

        Assert.Equal(1_767_225_600.25, text.Value("process_start_time_seconds"));
        Assert.Equal(0, text.Value("metric_push_final_timestamp_seconds"));
    }

    /// <summary>Answers every request with the next status it is given.</summary>
    private sealed class Scripted(Func<HttpStatusCode> next) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(next()));
    }
}
