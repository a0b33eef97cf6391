using System.Diagnostics;
using System.Net;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Point 1: every invocation asks for a push; pushes coalesce; the host's stop makes a final push.</summary>
public sealed class PerInvocationFlushTests(ITestOutputHelper output)
{
    private const string Job = "payment-functions";

    [Fact]
    public async Task The_last_invocation_reaches_the_gateway_without_waiting_for_the_interval()
    {
        await using var gateway = await Gateways.StartAsync();
        await using var app = await DeliveryApp.StartAsync(gateway.Url); // IntervalSeconds 3600: only invocations trigger pushes.

        for (var i = 0; i < 7; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.InvokePaymentAsync()).Response.StatusCode);
        }

        var text = await gateway.ScrapeUntilAsync(
            t => t.ValueOrZero("function_invocations_total", ("instance", "test-instance"), ("outcome", "success")) == 7, Gateways.Deadline, "the gateway holds 7 successful invocations");
        Assert.Equal(7, text.Value("function_invocations_total", ("job", Job), ("instance", "test-instance"), ("function", "ProcessPayment"), ("outcome", "success")));
        Assert.Equal(7, text.Sum("payment_requests_total", ("instance", "test-instance"), ("status", "success")));
        Assert.Equal(1, text.Value("function_cold_starts_total", ("instance", "test-instance"), ("function", "ProcessPayment")));
        Assert.Equal(7, text.Value("function_duration_seconds_count", ("instance", "test-instance"), ("function", "ProcessPayment")));
        // A push records its own success after it was serialised: the registry has it now, the gateway with the next push.
        Assert.True((await app.ScrapeRegistryAsync()).Value("metric_push_last_success_timestamp_seconds") > 0);
        Assert.Equal(new Uri(gateway.Url, $"/metrics/job/{Job}/instance/test-instance"), app.Pusher.GroupUrl);
    }

    [Fact]
    public async Task Push_requests_coalesce_into_one_push_in_flight_at_most_once_per_minimum_interval()
    {
        // Every push takes 150 ms at the gateway; invocations ask for a push each, for one second, from four callers.
        await using var slow = FaultyListener.Slow(TimeSpan.FromMilliseconds(150));
        await using var app = await DeliveryApp.StartAsync(slow.Url, ("MetricPush:MinIntervalSeconds", "0.1"));

        var invocations = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < TimeSpan.FromSeconds(1))
            {
                await app.InvokePaymentAsync();
                Interlocked.Increment(ref invocations);
                await Task.Delay(1);
            }
        })));
        var elapsed = stopwatch.Elapsed;
        var maxInFlight = slow.MaxInFlight; // before stopping: stopping abandons the push in flight for the final one
        var pushes = slow.Requests;

        output.WriteLine($"{invocations} invocations in {elapsed.TotalMilliseconds:F0} ms made {pushes} pushes (max in flight {maxInFlight}).");
        Assert.Equal(1, maxInFlight);
        Assert.InRange(pushes, 2, (int)(elapsed.TotalSeconds / 0.1) + 1);
        Assert.True(invocations > pushes * 5, "push requests coalesce");
    }

    [Fact]
    public async Task Stopping_the_host_pushes_the_final_values_and_leaves_the_group_for_the_janitor()
    {
        await using var gateway = await Gateways.StartAsync();
        // A minimum interval of an hour: after the first push, only the final push can deliver later invocations.
        await using var app = await DeliveryApp.StartAsync(gateway.Url, ("MetricPush:MinIntervalSeconds", "3600"));

        await app.InvokePaymentAsync();
        await gateway.ScrapeUntilAsync(t => t.ValueOrZero("function_invocations_total", ("instance", "test-instance")) == 1, Gateways.Deadline, "the gateway holds the first invocation");
        for (var i = 0; i < 4; i++)
        {
            await app.InvokePaymentAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        await app.StopAsync();
        output.WriteLine($"Stop with final push took {stopwatch.Elapsed.TotalMilliseconds:F0} ms.");

        var text = await gateway.ScrapeAsync();
        Assert.True(text.HasGroup(Job, "test-instance"), "the group stays for Prometheus to scrape; the janitor expires it");
        Assert.Equal(5, text.Sum("function_invocations_total", ("instance", "test-instance"), ("outcome", "success")));
        Assert.Equal(5, text.Sum("payment_requests_total", ("instance", "test-instance"), ("status", "success")));
    }

    [Fact]
    public async Task The_final_push_is_abandoned_at_the_shutdown_deadline_when_the_gateway_hangs()
    {
        await using var blackhole = FaultyListener.Blackhole();
        await using var app = await DeliveryApp.StartAsync(
            blackhole.Url, ("MetricPush:TimeoutSeconds", "30"), ("MetricPush:ShutdownPushSeconds", "0.5"));
        await app.InvokePaymentAsync();

        var stopwatch = Stopwatch.StartNew();
        await app.StopAsync();
        output.WriteLine($"Stop against a blackholed gateway returned after {stopwatch.Elapsed.TotalMilliseconds:F0} ms (deadline 500 ms, push timeout 30 s).");

        Assert.Contains(app.Logs!.GetSnapshot(), r => r.Message.StartsWith("Final metric push abandoned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Series_that_leave_the_registry_leave_the_gateway_because_pushes_replace_the_group()
    {
        await using var gateway = await Gateways.StartAsync();
        await using var app = await DeliveryApp.StartAsync(gateway.Url);
        app.Metrics.Errors.WithLabels("payment", "TransientException", "medium").Inc();
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));
        Assert.Single((await gateway.ScrapeAsync()).Find("errors_total", ("error_type", "TransientException")));

        app.Metrics.Errors.RemoveLabelled("payment", "TransientException", "medium");
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));

        Assert.Empty((await gateway.ScrapeAsync()).Find("errors_total", ("error_type", "TransientException")));
    }
}
