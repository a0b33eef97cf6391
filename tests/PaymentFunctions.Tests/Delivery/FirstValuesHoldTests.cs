using System.Text;
using Microsoft.Extensions.Time.Testing;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>
/// A new instance's series reach the gateway at zero before any value: the whole label space is created at start-up,
/// pushed at once, and counters and histograms stay at 0 in the gateway for MetricPush__FirstValuesDelaySeconds after
/// that first push landed (so Prometheus scrapes each series at 0 first). Gauges go out as they are; the final push
/// always carries everything.
/// </summary>
public sealed class FirstValuesHoldTests
{
    private const string Instance = "test-instance";

    [Fact]
    public async Task At_start_every_series_of_the_allowed_label_space_is_pushed_at_zero_before_any_invocation()
    {
        await using var gateway = await Gateways.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:FirstValuesDelaySeconds", "10"), ("Payments:UsdRates:EUR", "1.1")], clock);

        // No invocation and no interval passed: the start-up push alone.
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 1, what: "the start-up push");
        var text = await gateway.ScrapeAsync();
        (string, string) group = ("instance", Instance);

        Assert.Equal(2 * 3, text.Find("payment_requests_total", group).Count());             // status x tier
        Assert.Equal(4, text.Find("payment_duration_seconds_count", group).Count());         // method
        Assert.Equal(2 * 3, text.Find("payment_amount_usd_count", group).Count());           // currency (USD, EUR) x tier
        Assert.Equal(2 * 2, text.Find("errors_total", group).Count());                       // payment error type x severity
        Assert.Equal(3 * 3, text.Find("function_invocations_total", group).Count());         // function x outcome (success, client_error, failure)
        Assert.Equal(8, text.Find("payment_rejected_requests_total", group).Count());        // cause: too_large, malformed_body, 6 fields
        Assert.Equal(3, text.Find("function_cold_starts_total", group).Count());
        Assert.Equal(3, text.Find("function_duration_seconds_count", group).Count());
        Assert.Empty(text.Find("metric_push_failures_total", group)); // not created at zero: its rule counts a new series whole
        Assert.Equal(4 + 1, text.Find("metric_push_duration_seconds_bucket", group).Count());
        Assert.Equal(
            ["ExpireStaleMetricGroups", "ProcessPayment", "SampleSystemMetrics"],
            text.LabelValues("function_invocations_total", "function").Order(StringComparer.Ordinal));
        Assert.All(
            text.Samples.Where(s => s.Has(group) && (s.Name.StartsWith("payment_", StringComparison.Ordinal)
                || s.Name.StartsWith("errors_", StringComparison.Ordinal) || s.Name.StartsWith("function_", StringComparison.Ordinal))),
            s => Assert.Equal(0, s.Value));
        Assert.Equal(1_800_000_000, text.Value("process_start_time_seconds", group));

        // Nothing the app pushes clashes with the gateway's own metrics (same name, other help text or type).
        Assert.DoesNotContain("overlap", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counts_stay_at_zero_in_the_gateway_until_the_delay_after_the_first_push_then_go_out_without_a_request()
    {
        await using var gateway = await Gateways.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:FirstValuesDelaySeconds", "10"), ("MetricPush:MinIntervalSeconds", "1")], clock);
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 1, what: "the start-up push");

        // An invocation inside the hold: its push carries the gauges, but the counts at zero.
        await app.InvokePaymentAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 2, what: "the invocation's push");
        var held = await gateway.ScrapeAsync();
        Assert.Equal(0, held.Sum("payment_requests_total", ("instance", Instance)));
        Assert.Equal(0, held.Sum("function_invocations_total", ("instance", Instance)));
        Assert.Equal(0, held.Sum("payment_duration_seconds_count", ("instance", Instance)));
        Assert.Equal(0, held.Sum("payment_amount_usd_sum", ("instance", Instance)));
        Assert.Equal(15, held.Value("database_connections_active", ("instance", Instance)));
        Assert.Equal(1, (await app.ScrapeRegistryAsync()).Sum("payment_requests_total")); // counted all along

        // One second before the hold ends nothing more is pushed (the interval is an hour, no request waits) ...
        clock.Advance(TimeSpan.FromSeconds(8));
        await Task.Yield();
        Assert.Equal(2, app.Pusher.CompletedPushes);

        // ... and when it ends, the values go out by themselves.
        clock.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 3, what: "the push at the end of the hold");
        var released = await gateway.ScrapeAsync();
        Assert.Equal(1, released.Value("payment_requests_total", ("instance", Instance), ("status", "success"), ("user_tier", "standard")));
        Assert.Equal(1, released.Value("function_invocations_total", ("instance", Instance), ("function", "ProcessPayment"), ("outcome", "success")));
        Assert.Equal(50, released.Value("payment_amount_usd_sum", ("instance", Instance), ("currency", "USD"), ("user_tier", "standard")));
    }

    [Fact]
    public async Task The_hold_counts_from_the_first_push_that_lands_and_the_final_push_carries_everything()
    {
        var port = ExternalProcess.FreePort(); // no gateway yet: the first pushes fail
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", $"http://127.0.0.1:{port}/"), ("MetricPush:FirstValuesDelaySeconds", "3600"), ("MetricPush:MaxRetryAttempts", "0")], clock);
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 1, what: "the failed start-up push");
        await app.InvokePaymentAsync();

        await using var gateway = await Gateways.StartAsync(port);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 2, what: "the first push that lands");
        var held = await gateway.ScrapeAsync();
        Assert.Equal(0, held.Sum("payment_requests_total", ("instance", Instance)));
        Assert.Equal(0, held.Value("metric_push_final_timestamp_seconds", ("instance", Instance)));

        await app.StopAsync();
        var final = await gateway.ScrapeAsync();
        Assert.Equal(1, final.Sum("payment_requests_total", ("instance", Instance)));
        Assert.Equal(1, final.Sum("function_invocations_total", ("instance", Instance)));
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, final.Value("metric_push_final_timestamp_seconds", ("instance", Instance)));
    }

    [Fact]
    public async Task With_the_hold_off_the_first_push_waits_for_an_invocation_and_carries_its_values()
    {
        await using var gateway = await Gateways.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:FirstValuesDelaySeconds", "0")], clock);
        await Task.Yield();
        Assert.Equal(0, app.Pusher.CompletedPushes);

        await app.InvokePaymentAsync();
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes == 1, what: "the invocation's push");
        Assert.Equal(1, (await gateway.ScrapeAsync()).Sum("payment_requests_total", ("instance", Instance)));
    }

    [Fact]
    public void Held_exposition_zeroes_every_counter_and_histogram_sample_and_keeps_gauges_and_label_values()
    {
        const string exposition = """
            # HELP payment_requests_total Payment attempts.
            # TYPE payment_requests_total counter
            payment_requests_total{status="success",gateway="stripe",user_tier="a }\" b"} 12
            # HELP payment_duration_seconds Time.
            # TYPE payment_duration_seconds histogram
            payment_duration_seconds_sum{gateway="stripe",payment_method="paypal"} 3.25
            payment_duration_seconds_count{gateway="stripe",payment_method="paypal"} 7
            payment_duration_seconds_bucket{gateway="stripe",payment_method="paypal",le="0.5"} 4
            payment_duration_seconds_bucket{gateway="stripe",payment_method="paypal",le="+Inf"} 7
            # HELP memory_usage_bytes Memory.
            # TYPE memory_usage_bytes gauge
            memory_usage_bytes{type="used"} 9.5e+08
            # HELP metric_push_duration_seconds Push.
            # TYPE metric_push_duration_seconds histogram
            metric_push_duration_seconds_sum 0.5
            metric_push_duration_seconds_count 2
            # HELP metric_push_last_success_timestamp_seconds Last.
            # TYPE metric_push_last_success_timestamp_seconds gauge
            metric_push_last_success_timestamp_seconds 1700000000.5

            """;

        var held = Encoding.UTF8.GetString(TextExposition.Parse(Encoding.UTF8.GetBytes(exposition)).WriteHeld());

        Assert.Equal("""
            # HELP payment_requests_total Payment attempts.
            # TYPE payment_requests_total counter
            payment_requests_total{status="success",gateway="stripe",user_tier="a }\" b"} 0
            # HELP payment_duration_seconds Time.
            # TYPE payment_duration_seconds histogram
            payment_duration_seconds_sum{gateway="stripe",payment_method="paypal"} 0
            payment_duration_seconds_count{gateway="stripe",payment_method="paypal"} 0
            payment_duration_seconds_bucket{gateway="stripe",payment_method="paypal",le="0.5"} 0
            payment_duration_seconds_bucket{gateway="stripe",payment_method="paypal",le="+Inf"} 0
            # HELP memory_usage_bytes Memory.
            # TYPE memory_usage_bytes gauge
            memory_usage_bytes{type="used"} 9.5e+08
            # HELP metric_push_duration_seconds Push.
            # TYPE metric_push_duration_seconds histogram
            metric_push_duration_seconds_sum 0
            metric_push_duration_seconds_count 0
            # HELP metric_push_last_success_timestamp_seconds Last.
            # TYPE metric_push_last_success_timestamp_seconds gauge
            metric_push_last_success_timestamp_seconds 1700000000.5

            """.ReplaceLineEndings("\n"), held);
    }
}
