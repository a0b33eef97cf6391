using Microsoft.Extensions.Options;
using Moq;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Payments;

public sealed class PaymentMetricsRecorderTests
{
    private static PaymentMetricsRecorder Create(PaymentMetrics metrics)
    {
        var gateway = Mock.Of<IPaymentGateway>(g => g.Name == "stripe");
        return new PaymentMetricsRecorder(metrics, Options.Create(new PaymentOptions()), gateway);
    }

    [Fact]
    public async Task Cached_label_sets_accumulate_on_the_same_series()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        var recorder = Create(metrics);
        var request = new PaymentRequest("o", "u", 10, "USD", "premium", "paypal");

        for (var i = 0; i < 1000; i++)
        {
            recorder.RecordPayment(request, succeeded: i % 4 != 0, durationSeconds: 0.5, amountUsd: 10);
        }

        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(750, text.Value("payment_requests_total", ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")));
        Assert.Equal(250, text.Value("payment_requests_total", ("status", "failed"), ("gateway", "stripe"), ("user_tier", "premium")));
        Assert.Equal(500, text.Value("payment_duration_seconds_sum", ("gateway", "stripe"), ("payment_method", "paypal")));
        Assert.Equal(1000, text.Value("payment_amount_usd_count", ("currency", "USD"), ("user_tier", "premium")));
        Assert.Equal(20, text.Value("database_connections_max", ("database", "payment_db"), ("pool", "main_pool")));
    }

    [Fact]
    public async Task Values_outside_the_allow_lists_from_code_are_still_recorded()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        var recorder = Create(metrics);

        recorder.RecordPayment(new PaymentRequest("o", "u", 10, "JPY", "vip", "cash"), succeeded: true, durationSeconds: 1, amountUsd: 0.07);

        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(1, text.Value("payment_requests_total", ("status", "success"), ("user_tier", "vip")));
        Assert.Equal(1, text.Value("payment_duration_seconds_count", ("payment_method", "cash")));
        Assert.Equal(1, text.Value("payment_amount_usd_count", ("currency", "JPY"), ("user_tier", "vip")));
    }

    [Fact]
    public async Task An_allowed_currency_with_an_unknown_tier_and_an_unknown_currency_with_an_allowed_tier_are_recorded_under_their_own_labels()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        var recorder = Create(metrics);

        recorder.RecordPayment(new PaymentRequest("o", "u", 10, "USD", "vip", "paypal"), succeeded: true, durationSeconds: 1, amountUsd: 10);
        recorder.RecordPayment(new PaymentRequest("o", "u", 10, "JPY", "premium", "paypal"), succeeded: false, durationSeconds: 2, amountUsd: 0.07);
        recorder.RecordPayment(new PaymentRequest("o", "u", 10, "USD", "premium", "paypal"), succeeded: true, durationSeconds: 4, amountUsd: 20);

        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(10, text.Value("payment_amount_usd_sum", ("currency", "USD"), ("user_tier", "vip")));
        Assert.Equal(0.07, text.Value("payment_amount_usd_sum", ("currency", "JPY"), ("user_tier", "premium")));
        Assert.Equal(20, text.Value("payment_amount_usd_sum", ("currency", "USD"), ("user_tier", "premium")));
        Assert.Equal(1, text.Value("payment_requests_total", ("status", "success"), ("user_tier", "vip")));
        Assert.Equal(1, text.Value("payment_requests_total", ("status", "failed"), ("user_tier", "premium")));
        Assert.Equal(1, text.Value("payment_requests_total", ("status", "success"), ("user_tier", "premium")));
        Assert.Equal(7, text.Value("payment_duration_seconds_sum", ("payment_method", "paypal")));
    }

    [Fact]
    public async Task Errors_are_counted_by_type_under_the_payment_service_with_high_or_medium_severity()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        var recorder = Create(metrics);

        recorder.RecordError("GatewayTimeoutException", highSeverity: true);
        recorder.RecordError("GatewayTimeoutException", highSeverity: false);
        recorder.RecordError("GatewayTimeoutException", highSeverity: false);

        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(1, text.Value("errors_total", ("service", "payment"), ("error_type", "GatewayTimeoutException"), ("severity", "high")));
        Assert.Equal(2, text.Value("errors_total", ("service", "payment"), ("error_type", "GatewayTimeoutException"), ("severity", "medium")));
    }
}
