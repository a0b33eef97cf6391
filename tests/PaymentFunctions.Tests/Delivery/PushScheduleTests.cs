using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>When pushes happen, on a fake clock against a real gateway: the minimum interval and the idle heartbeat.</summary>
public sealed class PushScheduleTests
{
    [Fact]
    public async Task Requests_inside_the_minimum_interval_wait_for_it_and_go_out_as_one_push_carrying_all_of_them()
    {
        await using var gateway = await Gateways.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:MinIntervalSeconds", "10"), ("MetricPush:IntervalSeconds", "60")], clock);

        await app.InvokePaymentAsync();
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 1); // the first request pushes at once
        for (var i = 0; i < 50; i++)
        {
            await app.InvokePaymentAsync();
        }

        // Nothing can push before the clock passes the minimum interval.
        Assert.Equal(1, app.Pusher.CompletedPushes);
        clock.Advance(TimeSpan.FromSeconds(10));

        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 2);
        var text = await gateway.ScrapeAsync();
        Assert.Equal(51, text.Sum("function_invocations_total", ("instance", "test-instance"), ("outcome", "success")));
        Assert.Equal(2, app.Pusher.CompletedPushes);
    }

    [Fact]
    public async Task An_idle_instance_pushes_every_interval_so_its_group_stays_fresh_for_the_janitor()
    {
        await using var gateway = await Gateways.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:IntervalSeconds", "5"), ("MetricPush:MinIntervalSeconds", "1")], clock);

        // No invocation: only the interval can push. Each advance lets at most one interval pass.
        for (var pushes = 1; pushes <= 2; pushes++)
        {
            var expected = pushes;
            var waited = 0;
            while (app.Pusher.CompletedPushes < expected)
            {
                clock.Advance(TimeSpan.FromSeconds(5));
                await Poll.UntilAsync(() => app.Pusher.CompletedPushes >= expected || ++waited % 10 == 0);
            }
        }

        Assert.True((await gateway.ScrapeAsync()).HasGroup("payment-functions", "test-instance"));
    }

    [Fact]
    public async Task The_pusher_resolved_as_itself_and_as_a_hosted_service_is_one_instance_and_survives_double_disposal()
    {
        var app = await DeliveryApp.StartAsync(gateway: null);
        var hosted = app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<PaymentFunctions.Metrics.MetricPushService>().Single();
        Assert.Same(app.Pusher, hosted);

        await app.DisposeAsync();
        hosted.Dispose();
    }
}
