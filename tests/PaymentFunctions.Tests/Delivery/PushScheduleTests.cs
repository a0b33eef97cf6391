using Microsoft.Extensions.DependencyInjection;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// When pushes happen, pinned on a fake clock: before moving time a test waits until the pusher is parked on
/// the timer it expects, so every push lands at an exact fake time and no real time decides anything.
/// </summary>
public sealed class PushScheduleTests
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Requests_inside_the_minimum_interval_wait_for_it_and_go_out_as_one_push_carrying_all_of_them()
    {
        var (clock, gateway, app) = await StartAsync(("MetricPush:MinIntervalSeconds", "10"), ("MetricPush:IntervalSeconds", "60"));
        await using var _ = app;

        await app.InvokePaymentAsync();
        await gateway.UntilPushesAsync(1, "the first request pushes at once");
        await app.InvokePaymentAsync();
        await app.InvokePaymentAsync();
        await clock.UntilTimersAsync(MinInterval, 1, "the pusher waits out the minimum interval");
        clock.Advance(MinInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, gateway.PushCount);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await gateway.UntilPushesAsync(2, "the requests inside the minimum interval are pushed when it ends");

        Assert.Equal([TimeSpan.Zero, MinInterval], gateway.Pushes.Select(p => p.At));
        Assert.Equal(1, Invocations(gateway.Pushes[0].Text));
        Assert.Equal(3, Invocations(gateway.Pushes[1].Text));
    }

    [Fact]
    public async Task An_idle_instance_pushes_every_interval_so_its_group_stays_fresh_for_the_janitor()
    {
        var (clock, gateway, app) = await StartAsync(("MetricPush:IntervalSeconds", "5"), ("MetricPush:MinIntervalSeconds", "1"));
        await using var _ = app;
        var interval = TimeSpan.FromSeconds(5);

        // No invocation: only the interval can push.
        for (var push = 1; push <= 3; push++)
        {
            await clock.UntilTimersAsync(interval, push, $"the idle pusher waits one interval before push {push}");
            Assert.Equal(push - 1, gateway.PushCount);
            clock.Advance(interval);
            await gateway.UntilPushesAsync(push, $"the idle pusher pushed after {push} interval(s)");
        }

        Assert.Equal([interval, 2 * interval, 3 * interval], gateway.Pushes.Select(p => p.At));
    }

    [Fact]
    public async Task A_request_made_while_a_push_is_in_flight_is_served_by_the_next_push()
    {
        var (clock, gateway, app) = await StartAsync(("MetricPush:MinIntervalSeconds", "10"), ("MetricPush:IntervalSeconds", "60"));
        await using var _ = app;
        gateway.Hold();

        await app.InvokePaymentAsync();
        await gateway.UntilPushesAsync(1, "the first push reached the gateway (and is held there)");
        await app.InvokePaymentAsync(); // its values may or may not be in the push in flight: it asks for the next one
        gateway.Release();
        await clock.UntilTimersAsync(MinInterval, 1, "the request made during the push waits for the minimum interval");
        clock.Advance(MinInterval);
        await gateway.UntilPushesAsync(2, "the request made during the push is served by the next push");

        Assert.Equal(MinInterval, gateway.Pushes[1].At);
        Assert.Equal(2, Invocations(gateway.Pushes[1].Text));
    }

    [Fact]
    public async Task Stopping_makes_a_final_push_at_once_with_the_latest_values_even_inside_the_minimum_interval()
    {
        var (clock, gateway, app) = await StartAsync(("MetricPush:MinIntervalSeconds", "10"), ("MetricPush:IntervalSeconds", "60"));
        await using var _ = app;

        await app.InvokePaymentAsync();
        await gateway.UntilPushesAsync(1, "the first request pushes at once");
        await app.InvokePaymentAsync();
        await clock.UntilTimersAsync(MinInterval, 1, "the second request waits for the minimum interval");

        await app.StopAsync();

        Assert.Equal(2, gateway.PushCount);
        var final = gateway.Pushes[1];
        Assert.Equal(TimeSpan.Zero, final.At);
        Assert.Equal(2, Invocations(final.Text));
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), final.Text.Value("metric_push_final_timestamp_seconds"));
    }

    [Fact]
    public async Task The_pusher_resolved_as_itself_and_as_a_hosted_service_is_one_instance_and_survives_double_disposal()
    {
        var app = await DeliveryApp.StartAsync(gateway: null);
        var hosted = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PushgatewayPusher>().Single();
        Assert.Same(app.Pusher, hosted);

        await app.DisposeAsync();
        hosted.Dispose();
    }

    private static double Invocations(Testing.PrometheusText text) =>
        text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success"));

    private static async Task<(WatchedClock Clock, RecordingGateway Gateway, DeliveryApp App)> StartAsync(params (string Key, string? Value)[] settings)
    {
        var clock = new WatchedClock();
        var gateway = new RecordingGateway(clock);
        var app = await DeliveryApp.StartAsync([("MetricPush:Url", RecordingGateway.Url.ToString()), .. settings], clock, () => gateway);
        return (clock, gateway, app);
    }
}
