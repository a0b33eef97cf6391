using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentFunctions.Payments;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Payments;

/// <summary>The simulated gateway's model, the payment service's guards and logs, and the recorder's fixed label values, to the value.</summary>
public sealed class PaymentFlowTests
{
    private static SimulatedPaymentGateway Gateway(SimulatedGatewayOptions options, TimeProvider? clock = null) =>
        new(Options.Create(options), clock ?? new InstantTimeProvider());

    [Theory]
    [InlineData(10, false, 0.0, 100)]      // base
    [InlineData(1000, false, 0.0, 100)]    // exactly the threshold: not high-value
    [InlineData(1000.01, false, 0.0, 150)] // above it: x1.5
    [InlineData(1200, true, 0.0, 80)]      // premium wins over high value: x0.8
    [InlineData(10, false, 0.5, 250)]      // + half the 300 ms jitter
    [InlineData(10, true, 1.0, 380)]       // premium base + the whole jitter (jitter is not scaled by the tier)
    public void Latency_is_the_seed_model(double amount, bool premium, double jitter, double milliseconds)
    {
        var gateway = Gateway(new SimulatedGatewayOptions());

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), gateway.Latency((decimal)amount, premium, jitter));
    }

    [Fact]
    public void The_latency_scale_multiplies_the_whole_latency()
    {
        var gateway = Gateway(new SimulatedGatewayOptions { LatencyScale = 2 });

        Assert.Equal(TimeSpan.FromMilliseconds(500), gateway.Latency(10, premium: false, jitter: 0.5));
        Assert.Equal(TimeSpan.Zero, Gateway(new SimulatedGatewayOptions { LatencyScale = 0 }).Latency(10, premium: false, jitter: 0.5));
    }

    [Fact]
    public async Task The_gateway_waits_its_latency_on_the_injected_clock()
    {
        var clock = new InstantTimeProvider();
        var start = clock.GetUtcNow();
        var gateway = Gateway(new SimulatedGatewayOptions { JitterMilliseconds = 0, FailureRate = 0 }, clock);

        await gateway.ChargeAsync(new PaymentRequest("o", "u", 1200m, "USD"), CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(150), clock.GetUtcNow() - start);
    }

    [Fact]
    public async Task A_timeout_and_a_declined_method_carry_messages_naming_the_gateway_and_the_method()
    {
        var timeouts = Gateway(new SimulatedGatewayOptions { Name = "adyen", FailureRate = 1, TimeoutShare = 1 });
        var declines = Gateway(new SimulatedGatewayOptions { Name = "adyen", FailureRate = 1, TimeoutShare = 0 });
        var request = new PaymentRequest("o", "u", 10m, "USD", "basic", "paypal");

        var timeout = await Assert.ThrowsAsync<GatewayTimeoutException>(() => timeouts.ChargeAsync(request, CancellationToken.None));
        var declined = await Assert.ThrowsAsync<InvalidPaymentMethodException>(() => declines.ChargeAsync(request, CancellationToken.None));

        Assert.Equal("The adyen gateway timed out.", timeout.Message);
        Assert.Equal("The adyen gateway declined the payment method 'paypal'.", declined.Message);
        Assert.Equal("adyen", timeouts.Name);
    }

    [Fact]
    public async Task Premium_payments_fail_at_the_premium_rate_and_others_at_the_standard_rate()
    {
        var premiumNeverFails = Gateway(new SimulatedGatewayOptions { FailureRate = 1, PremiumFailureRate = 0 });
        var othersNeverFail = Gateway(new SimulatedGatewayOptions { FailureRate = 0, PremiumFailureRate = 1 });

        Assert.StartsWith("txn_", await premiumNeverFails.ChargeAsync(new PaymentRequest("o", "u", 10m, "USD", "premium"), CancellationToken.None), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<PaymentException>(() => premiumNeverFails.ChargeAsync(new PaymentRequest("o", "u", 10m, "USD", "standard"), CancellationToken.None));
        Assert.StartsWith("txn_", await othersNeverFail.ChargeAsync(new PaymentRequest("o", "u", 10m, "USD", "basic"), CancellationToken.None), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<PaymentException>(() => othersNeverFail.ChargeAsync(new PaymentRequest("o", "u", 10m, "USD", "premium"), CancellationToken.None));
    }

    [Fact]
    public async Task A_seeded_gateway_repeats_its_transactions_and_an_unseeded_one_does_not()
    {
        var request = new PaymentRequest("o", "u", 10m, "USD");
        async Task<string[]> RunAsync(int? seed)
        {
            var gateway = Gateway(new SimulatedGatewayOptions { Seed = seed, FailureRate = 0 });
            return [await gateway.ChargeAsync(request, CancellationToken.None), await gateway.ChargeAsync(request, CancellationToken.None)];
        }

        Assert.Equal(await RunAsync(42), await RunAsync(42));
        Assert.NotEqual(await RunAsync(42), await RunAsync(43));
        Assert.NotEqual(await RunAsync(null), await RunAsync(null));
    }

    [Fact]
    public async Task The_service_refuses_a_null_request_and_a_parse_result_that_was_not_rejected()
    {
        using var app = TestApp.Create();
        var service = app.Services.GetRequiredService<PaymentService>();
        var valid = new PaymentRequestParser(Options.Create(new PaymentOptions()))
            .Parse("""{"orderId":"o","userId":"u","amount":1,"currency":"USD"}"""u8.ToArray());

        var noRequest = await Assert.ThrowsAsync<ArgumentNullException>(() => service.ProcessAsync(null!, "i", CancellationToken.None));
        var noResult = Assert.Throws<ArgumentNullException>(() => service.RecordRejected(null!));
        var notRejected = Assert.Throws<ArgumentException>(() => service.RecordRejected(valid));

        Assert.Equal("request", noRequest.ParamName);
        Assert.Equal("rejected", noResult.ParamName);
        Assert.Equal("rejected", notRejected.ParamName);
        Assert.StartsWith("The request was not rejected.", notRejected.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await app.ScrapeAsync()).Find("payment_rejected_requests_total").Sum(s => s.Value));
    }

    [Fact]
    public async Task A_completed_payment_logs_start_and_completion_with_its_values()
    {
        using var app = TestApp.Create();
        var service = app.Services.GetRequiredService<PaymentService>();

        var result = await service.ProcessAsync(new PaymentRequest("order_9", "user_9", 12.5m, "EUR", "basic", "paypal"), "inv-9", CancellationToken.None);

        Assert.Equal("success", result.Status);
        Assert.Equal(0.1, result.DurationSeconds, 9);
        var records = app.Logs.GetSnapshot().Where(r => r.Category == typeof(PaymentService).FullName).ToList();
        Assert.Equal(
            [
                "Payment processing started: order order_9, amount 12.5 EUR, tier basic, method paypal",
                $"Payment completed: order order_9 in 0.1 s, transaction {result.TransactionId}",
            ],
            records.Select(r => r.Message));
        Assert.Equal([LogLevel.Information, LogLevel.Information], records.Select(r => r.Level));
        Assert.Equal(18.75, (await app.ScrapeAsync()).Value("payment_amount_usd_sum", ("currency", "EUR"), ("user_tier", "basic")));
    }

    [Fact]
    public async Task A_failed_payment_logs_a_warning_with_the_error_and_a_rejection_a_debug_line()
    {
        using var app = TestApp.Create(("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "1"));
        var service = app.Services.GetRequiredService<PaymentService>();
        var rejected = new PaymentRequestParser(Options.Create(new PaymentOptions())).Parse("""{"amount":1,"currency":"USD"}"""u8.ToArray());

        await Assert.ThrowsAsync<GatewayTimeoutException>(() => service.ProcessAsync(new PaymentRequest("order_8", "u", 5m, "USD"), "inv-8", CancellationToken.None));
        service.RecordRejected(rejected);

        var records = app.Logs.GetSnapshot().Where(r => r.Category == typeof(PaymentService).FullName).Skip(1).ToList();
        Assert.Equal(
            [
                (LogLevel.Warning, "Payment failed: order order_8, GatewayTimeoutException: The stripe gateway timed out. after 0.1 s"),
                (LogLevel.Debug, "Payment request rejected: orderId (2 field(s) at fault)"),
            ],
            records.Select(r => (r.Level, r.Message)));
        Assert.Equal(1, (await app.ScrapeAsync()).Value("payment_rejected_requests_total", ("cause", "orderId")));
    }

    [Fact]
    public void The_log_scope_lists_request_user_and_order_and_prints_them()
    {
        var scope = new PaymentLogScope("inv-1", "user-1", "order-1");

        Assert.Equal(3, scope.Count);
        KeyValuePair<string, object>[] expected = [new("RequestId", "inv-1"), new("UserId", "user-1"), new("OrderId", "order-1")];
        Assert.Equal(expected, scope.ToList());
        Assert.Equal(3, ((System.Collections.IEnumerable)scope).Cast<object>().Count());
        Assert.Equal("RequestId:inv-1 UserId:user-1 OrderId:order-1", scope.ToString());
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => scope[3]).ParamName);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => scope[-1]).ParamName);
    }

    [Fact]
    public async Task A_rejection_cause_outside_the_fixed_list_is_refused_and_counts_nothing()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        var recorder = new PaymentMetricsRecorder(metrics, Options.Create(new PaymentOptions()), Moq.Mock.Of<IPaymentGateway>(g => g.Name == "stripe"));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => recorder.RecordRejection("hacked"));
        recorder.RecordRejection("paymentMethod");

        Assert.Equal("cause", error.ParamName);
        Assert.Equal("hacked", error.ActualValue);
        Assert.StartsWith("Not one of PaymentRequestParser.RejectionCauses.", error.Message, StringComparison.Ordinal);
        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(1, text.Find("payment_rejected_requests_total").Sum(s => s.Value));
        Assert.Equal(1, text.Value("payment_rejected_requests_total", ("cause", "paymentMethod")));
    }

    [Fact]
    public void Allowed_values_are_found_by_reference_and_by_value_and_others_are_not()
    {
        var index = new LabelIndex(["a", "b", "c"]);

        Assert.Equal(3, index.Count);
        Assert.Equal(2, index.IndexOf(new string('c', 1)));
        Assert.Equal(0, index.IndexOf("a"));
        Assert.Equal(-1, index.IndexOf("d"));
    }

    [Fact]
    public void Allow_lists_are_split_trimmed_and_deduplicated_and_amounts_converted_at_the_currency_rate()
    {
        var options = new PaymentOptions { AllowedUserTiers = " gold ,silver,,gold", UsdRates = new() { ["EUR"] = 1.5m, ["USD"] = 1m } };

        Assert.Equal(["gold", "silver"], options.UserTiers);
        Assert.Same(options.UserTiers, options.UserTiers);
        Assert.Same(options.PaymentMethods, options.PaymentMethods);
        Assert.Same(options.Currencies, options.Currencies);
        Assert.Equal(["EUR", "USD"], options.Currencies.Order(StringComparer.Ordinal));
        Assert.Equal(15m, options.ToUsd(10m, "EUR"));
    }

    [Fact]
    public async Task The_payment_flow_registers_on_its_own_and_records_into_the_registry_the_container_gives()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var services = new ServiceCollection().AddLogging().AddSingleton(registry);

        services.AddPayments(configuration);

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        Assert.NotNull(provider.GetRequiredService<PaymentService>());
        Assert.Same(provider.GetRequiredService<PaymentMetrics>(), provider.GetRequiredService<PaymentMetrics>());
        provider.GetRequiredService<IPaymentMetricsRecorder>().RecordRejection("amount");
        Assert.Equal(1, (await PrometheusText.FromRegistryAsync(registry)).Value("payment_rejected_requests_total", ("cause", "amount")));
        Assert.Equal("configuration", Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddPayments(null!)).ParamName);
    }

    [Fact]
    public async Task Each_currency_and_tier_records_into_its_own_amount_series_whatever_came_first()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PaymentMetrics(registry);
        var options = Options.Create(new PaymentOptions { UsdRates = new() { ["USD"] = 1m, ["EUR"] = 1.5m, ["GBP"] = 1.25m } });
        var recorder = new PaymentMetricsRecorder(metrics, options, Moq.Mock.Of<IPaymentGateway>(g => g.Name == "stripe"));

        foreach (var (currency, tier, usd) in new[] { ("USD", "standard", 1.0), ("EUR", "standard", 10.0), ("GBP", "premium", 100.0), ("USD", "premium", 1000.0), ("GBP", "basic", 5000.0) })
        {
            recorder.RecordPayment(new PaymentRequest("o", "u", 1m, currency, tier, "paypal"), succeeded: true, durationSeconds: 1, amountUsd: usd);
        }

        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(1, text.Value("payment_amount_usd_sum", ("currency", "USD"), ("user_tier", "standard")));
        Assert.Equal(10, text.Value("payment_amount_usd_sum", ("currency", "EUR"), ("user_tier", "standard")));
        Assert.Equal(100, text.Value("payment_amount_usd_sum", ("currency", "GBP"), ("user_tier", "premium")));
        Assert.Equal(1000, text.Value("payment_amount_usd_sum", ("currency", "USD"), ("user_tier", "premium")));
        Assert.Equal(5000, text.Value("payment_amount_usd_sum", ("currency", "GBP"), ("user_tier", "basic")));
        Assert.Equal(5, text.Find("payment_amount_usd_sum").Count());
    }
}
