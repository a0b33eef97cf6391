using System.Net;
using Microsoft.Extensions.Logging;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// Back-pressure: an overloaded gateway (timeouts, 429/502/503/504, or pushes slower than <c>MetricPush__SlowPushSeconds</c>)
/// stretches the time between an instance's pushes, up to <c>MetricPush__MaxBackoffSeconds</c>, and fast pushes bring it
/// back; values accumulate meanwhile and the next push that lands carries them all.
/// </summary>
public sealed class BackPressureTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(0.5);

    [Fact]
    public void Each_overloaded_push_doubles_the_interval_up_to_the_cap_and_each_fast_one_takes_a_quarter_off_it()
    {
        var pacer = new PushPacer(Base, Max, Slow);
        var fast = TimeSpan.FromMilliseconds(20);

        Assert.Equal(PaceChange.Stretched, pacer.Observe(overloaded: true, fast));
        Assert.Equal(2, pacer.Interval.TotalSeconds);
        Assert.Equal(PaceChange.None, pacer.Observe(overloaded: true, fast));
        Assert.Equal(PaceChange.None, pacer.Observe(overloaded: true, fast));
        Assert.Equal(8, pacer.Interval.TotalSeconds);
        pacer.Observe(overloaded: true, fast);
        Assert.Equal(Max, pacer.Interval);
        pacer.Observe(overloaded: true, fast);
        Assert.Equal(Max, pacer.Interval);

        var seen = new List<double>();
        var change = PaceChange.None;
        while (change != PaceChange.Recovered)
        {
            Assert.True(seen.Count < 20, "the interval came back to the configured one");
            change = pacer.Observe(overloaded: false, fast);
            seen.Add(pacer.Interval.TotalSeconds);
        }

        double[] expected = [11.25, 8.4375, 6.328125, 4.74609375, 3.5595703125, 2.669677734375, 2.00225830078125, 1.5016937255859375, 1.1262702941894531, 1];
        Assert.Equal(expected, seen, (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.False(pacer.Stretched);
    }

    [Fact]
    public void A_push_that_landed_but_took_longer_than_the_bound_counts_as_overloaded_and_one_within_it_does_not()
    {
        var pacer = new PushPacer(Base, Max, Slow);

        Assert.Equal(PaceChange.None, pacer.Observe(overloaded: false, Slow));
        Assert.Equal(Base, pacer.Interval);
        Assert.Equal(PaceChange.Stretched, pacer.Observe(overloaded: false, Slow + TimeSpan.FromMilliseconds(1)));
        Assert.Equal(2, pacer.Interval.TotalSeconds);
    }

    [Fact]
    public void A_configured_minimum_of_zero_still_stretches()
    {
        var pacer = new PushPacer(TimeSpan.Zero, Max, Slow);

        pacer.Observe(overloaded: true, TimeSpan.Zero);

        Assert.Equal(0.2, pacer.Interval.TotalSeconds, 6);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task A_gateway_answering_overloaded_gets_pushes_further_apart_then_back_at_the_configured_pace_with_every_count(HttpStatusCode overloaded)
    {
        var (clock, gateway, app) = await StartAsync();
        await using var _ = app;
        gateway.Status = overloaded;

        await app.InvokePaymentAsync();
        await gateway.UntilPushesAsync(1, "the first request pushes at once (and is refused)");
        await PushAfterAsync(clock, gateway, app, TimeSpan.FromSeconds(2), 2);
        await PushAfterAsync(clock, gateway, app, TimeSpan.FromSeconds(4), 3);
        gateway.Status = HttpStatusCode.OK;
        await PushAfterAsync(clock, gateway, app, TimeSpan.FromSeconds(8), 4);
        await PushAfterAsync(clock, gateway, app, TimeSpan.FromSeconds(6), 5);

        Assert.Equal([0, 2, 6, 14, 20], gateway.Pushes.Select(p => p.At.TotalSeconds));
        Assert.Equal(6, app.Pusher.PushInterval.TotalSeconds * 4 / 3, 6); // 4.5 s after the second fast push
        Assert.Equal(5, Invocations(gateway.Pushes[^1].Text)); // the refused pushes' counts were carried by the next ones
        Assert.Equal(3, app.Health.Failures.WithLabels(overloaded == HttpStatusCode.TooManyRequests ? "rejected" : "server_error").Value);
        var backOff = Assert.Single(app.Logs!.GetSnapshot(), r => r.Message.Contains("is overloaded", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, backOff.Level);
        Assert.Contains($"HTTP {(int)overloaded}", backOff.Message, StringComparison.Ordinal);
        Assert.Contains("pushing at most every 2 s", backOff.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_pushes_stretch_the_idle_interval_too_and_the_recovery_is_logged_once()
    {
        var (clock, gateway, app) = await StartAsync(("MetricPush:IntervalSeconds", "5"));
        await using var _ = app;
        gateway.Takes = TimeSpan.FromSeconds(0.6);

        await clock.UntilTimersAsync(TimeSpan.FromSeconds(5), 1, "the pusher waits for a request or the idle interval");
        Expected[(clock, TimeSpan.FromSeconds(5))] = 1;
        await app.InvokePaymentAsync();
        await gateway.UntilPushesAsync(1, "the first request pushes at once (and takes 0.6 s)");
        await UntilPacedAsync(app, 1);
        var idleInterval = TimeSpan.FromSeconds(5);
        await PushAfterAsync(clock, gateway, app, idleInterval, 2, invoke: false, idle: true); // interval 2 s: the idle 5 s is longer
        await PushAfterAsync(clock, gateway, app, idleInterval, 3, invoke: false, idle: true); // interval 4 s: still 5 s
        gateway.Takes = TimeSpan.Zero;
        await PushAfterAsync(clock, gateway, app, TimeSpan.FromSeconds(8), 4, invoke: false, idle: true); // interval 8 s: idle waits 8 s

        Assert.Equal(6, app.Pusher.PushInterval.TotalSeconds);
        Assert.DoesNotContain(app.Logs!.GetSnapshot(), r => r.Message.Contains("keeps up again", StringComparison.Ordinal));
        for (var push = 5; app.Pusher.PushInterval > Base; push++)
        {
            var idle = app.Pusher.PushInterval > idleInterval ? app.Pusher.PushInterval : idleInterval;
            await PushAfterAsync(clock, gateway, app, idle, push, invoke: false, idle: true);
        }

        var recovered = Assert.Single(app.Logs!.GetSnapshot(), r => r.Message.Contains("keeps up again", StringComparison.Ordinal));
        Assert.Contains("pushing at most every 1 s", recovered.Message, StringComparison.Ordinal);
        Assert.Single(app.Logs!.GetSnapshot(), r => r.Message.Contains("is overloaded", StringComparison.Ordinal) && r.Message.Contains("a push took 0.60 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gateway_failing_with_an_internal_error_is_broken_not_overloaded_and_does_not_stretch()
    {
        var (clock, gateway, app) = await StartAsync();
        await using var _ = app;
        gateway.Status = HttpStatusCode.InternalServerError;

        await app.InvokePaymentAsync();
        await gateway.UntilPushesAsync(1, "the first request pushes at once (and fails)");
        await PushAfterAsync(clock, gateway, app, Base, 2);

        Assert.Equal(Base, app.Pusher.PushInterval);
        Assert.DoesNotContain(app.Logs!.GetSnapshot(), r => r.Message.Contains("is overloaded", StringComparison.Ordinal));
    }

    /// <summary>
    /// Makes a request (or none), waits until the pusher is parked on a timer of <paramref name="wait"/> (counting the
    /// timers of that length this test expects so far, so a timer made before this call counts too), moves time by it
    /// and waits for push <paramref name="push"/>.
    /// </summary>
    private static async Task PushAfterAsync(WatchedClock clock, RecordingGateway gateway, DeliveryApp app, TimeSpan wait, int push, bool invoke = true, bool idle = false)
    {
        if (invoke)
        {
            await app.InvokePaymentAsync();
        }

        var expected = Expected.GetValueOrDefault((clock, wait)) + 1;
        Expected[(clock, wait)] = expected;
        await clock.UntilTimersAsync(wait, expected, $"push {push} waits {wait.TotalSeconds} s{(idle ? " (idle)" : string.Empty)}");
        clock.Advance(wait);
        await gateway.UntilPushesAsync(push, $"push {push} went out after {wait.TotalSeconds} s");
        await UntilPacedAsync(app, push);
    }

    /// <summary>
    /// Waits until the pusher has taken push <paramref name="push"/>'s outcome into its pace (and logged what changed): the
    /// gateway sees a push before the pusher has its answer.
    /// </summary>
    private static Task UntilPacedAsync(DeliveryApp app, int push) =>
        Testing.Poll.UntilAsync(() => app.Pusher.CompletedPushes >= push, what: $"push {push}'s outcome is paced");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(WatchedClock, TimeSpan), int> Expected = new();

    private static double Invocations(Testing.PrometheusText text) =>
        text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success"));

    private static async Task<(WatchedClock Clock, RecordingGateway Gateway, DeliveryApp App)> StartAsync(params (string Key, string? Value)[] settings)
    {
        var clock = new WatchedClock();
        var gateway = new RecordingGateway(clock);
        var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", RecordingGateway.Url.ToString()), ("MetricPush:MinIntervalSeconds", "1"), ("MetricPush:IntervalSeconds", "3600"),
             ("MetricPush:MaxRetryAttempts", "0"), ("MetricPush:SlowPushSeconds", "0.5"), ("MetricPush:MaxBackoffSeconds", "15"), .. settings],
            clock, () => gateway);
        return (clock, gateway, app);
    }
}
