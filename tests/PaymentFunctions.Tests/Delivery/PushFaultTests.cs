using System.Diagnostics;
using System.Net;
using PaymentFunctions.Testing;
using Xunit.Abstractions;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// Point 2: a push never slows or fails an invocation. Each fault runs against a real listener on 127.0.0.1; the
/// figures printed are measurements for the report, not assertions.
/// </summary>
[Collection(MeasuredTests.Name)]
public sealed class PushFaultTests(ITestOutputHelper output)
{
    public static TheoryData<string> Faults => ["refused", "blackholed", "slow", "5xx"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Under_a_faulty_gateway_pushes_fail_with_their_reason_after_retries_and_invocations_succeed(string fault)
    {
        // Timeout 1 s per attempt, 2 retries with exponential jittered backoff from 0.05 s.
        await using var target = await FaultTarget.StartAsync(fault);
        await using var app = await DeliveryApp.StartAsync(target.Url);

        var push = Stopwatch.StartNew();
        var landed = await app.Pusher.PushNowAsync(CancellationToken.None);
        push.Stop();

        var latencies = await Measurements.InvokeAsync(app, 200);

        Assert.False(landed);
        var text = await app.ScrapeRegistryAsync();
        var reason = target.ExpectedReason;
        Assert.True(text.Value("metric_push_failures_total", ("reason", reason)) >= 3, "one failure per attempt: the first and two retries");
        Assert.Equal(0, text.Value("metric_push_last_success_timestamp_seconds"));
        Assert.Equal(220, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success")));
        if (target.Listener is { } listener)
        {
            Assert.True(listener.Requests >= 3, "the push was retried");
        }

        output.WriteLine(Measurements.Describe($"gateway {fault}", push.Elapsed, latencies));
    }

    [Fact]
    public async Task An_invocation_returns_while_its_push_still_hangs_on_a_blackholed_gateway()
    {
        await using var blackhole = FaultyListener.Blackhole();
        await using var app = await DeliveryApp.StartAsync(blackhole.Url, ("MetricPush:TimeoutSeconds", "30"), ("MetricPush:ShutdownPushSeconds", "0.2"));

        var (first, _) = await app.InvokePaymentAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await Poll.UntilAsync(() => blackhole.Requests >= 1);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.InvokePaymentAsync()).Response.StatusCode);
        }

        // The push the first invocation asked for is still waiting for an answer (its timeout is 30 s).
        Assert.Equal(0, app.Pusher.CompletedPushes);
        Assert.Equal(1, blackhole.Requests);
    }

    [Fact]
    public async Task Push_failures_show_in_the_gateway_once_it_is_back()
    {
        var port = ExternalProcess.FreePort();
        var refusedUrl = new Uri($"http://127.0.0.1:{port}");
        await using var app = await DeliveryApp.StartAsync(refusedUrl);
        Assert.False(await app.Pusher.PushNowAsync(CancellationToken.None));

        await using var gateway = await Gateways.StartAsync(port);
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));

        var text = await gateway.ScrapeAsync();
        Assert.Equal(3, text.Value("metric_push_failures_total", ("instance", "test-instance"), ("reason", "connection")));
        Assert.True(text.Value("metric_push_duration_seconds_count", ("instance", "test-instance")) >= 3);
        // The successful push itself is recorded after it was serialised: the next push carries it.
        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));
        Assert.True((await gateway.ScrapeAsync()).Value("metric_push_last_success_timestamp_seconds", ("instance", "test-instance")) > 0);
    }

    [Fact]
    public async Task Measure_push_and_invocation_latency_with_a_healthy_and_a_slow_gateway()
    {
        await using var gateway = await Gateways.StartAsync();
        await using var healthy = await DeliveryApp.StartAsync(gateway.Url);
        output.WriteLine(await MeasureAsync(healthy, "gateway healthy"));

        await using var slow = FaultyListener.Slow(TimeSpan.FromMilliseconds(500));
        await using var slowApp = await DeliveryApp.StartAsync(slow.Url);
        output.WriteLine(await MeasureAsync(slowApp, "gateway slow (0.5 s, within timeout)"));

        await using var none = await DeliveryApp.StartAsync(gateway: null);
        output.WriteLine(await MeasureAsync(none, "pushing disabled"));
    }

    private static async Task<string> MeasureAsync(DeliveryApp app, string scenario)
    {
        var push = Stopwatch.StartNew();
        await app.Pusher.PushNowAsync(CancellationToken.None);
        push.Stop();
        var latencies = await Measurements.InvokeAsync(app, 200);
        return Measurements.Describe(scenario, push.Elapsed, latencies);
    }

    /// <summary>A refused port, a misbehaving listener, with the failure reason each must produce.</summary>
    private sealed class FaultTarget : IAsyncDisposable
    {
        private FaultTarget(Uri url, string expectedReason, FaultyListener? listener)
        {
            Url = url;
            ExpectedReason = expectedReason;
            Listener = listener;
        }

        public Uri Url { get; }

        public string ExpectedReason { get; }

        public FaultyListener? Listener { get; }

        public static Task<FaultTarget> StartAsync(string fault) => Task.FromResult(fault switch
        {
            "refused" => new FaultTarget(new Uri($"http://127.0.0.1:{ExternalProcess.FreePort()}"), "connection", null),
            "blackholed" => Of(FaultyListener.Blackhole(), "timeout"),
            "slow" => Of(FaultyListener.Slow(TimeSpan.FromSeconds(3)), "timeout"),
            _ => Of(FaultyListener.Failing(503), "server_error"),
        });

        public ValueTask DisposeAsync() => Listener?.DisposeAsync() ?? ValueTask.CompletedTask;

        private static FaultTarget Of(FaultyListener listener, string reason) => new(listener.Url, reason, listener);
    }
}

internal static class Measurements
{
    /// <summary>Invokes the payment function 20 times to warm up (JIT), then <paramref name="count"/> times measured; all must answer 200.</summary>
    public static async Task<List<double>> InvokeAsync(DeliveryApp app, int count)
    {
        var latencies = new List<double>();
        for (var i = -20; i < count; i++)
        {
            var (response, elapsed) = await app.InvokePaymentAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (i >= 0)
            {
                latencies.Add(elapsed.TotalMilliseconds);
            }
        }

        return latencies;
    }

    public static string Describe(string scenario, TimeSpan push, List<double> invocationMilliseconds)
    {
        invocationMilliseconds.Sort();
        double At(double q) => invocationMilliseconds[(int)Math.Min(invocationMilliseconds.Count - 1, q * invocationMilliseconds.Count)];
        return $"{scenario}: one push {push.TotalMilliseconds:F0} ms; {invocationMilliseconds.Count} invocations p50 {At(0.5):F3} ms, p99 {At(0.99):F3} ms, max {invocationMilliseconds[^1]:F3} ms";
    }
}
