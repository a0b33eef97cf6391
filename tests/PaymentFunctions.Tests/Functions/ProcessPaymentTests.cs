using System.Net;
using System.Text.Json;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Functions;

public sealed class ProcessPaymentTests
{
    private const string Payment50 = """{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"standard","paymentMethod":"credit_card"}""";

    [Fact]
    public async Task A_successful_payment_answers_200_with_the_result_and_records_exact_metrics()
    {
        using var app = TestApp.Create();

        var response = await app.PostPaymentAsync(Payment50);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.ContentType);
        using var body = JsonDocument.Parse(response.BodyText());
        Assert.Equal("success", body.RootElement.GetProperty("status").GetString());
        Assert.Matches("^txn_[0-9a-f]{16}$", body.RootElement.GetProperty("transactionId").GetString());
        // The seed's latency for a standard payment of 50: 100 ms base, no jitter configured.
        Assert.Equal(0.1, body.RootElement.GetProperty("durationSeconds").GetDouble(), 9);

        var metrics = await app.ScrapeAsync();
        Assert.Equal(1, metrics.Value("payment_requests_total", ("status", "success"), ("gateway", "stripe"), ("user_tier", "standard")));
        Assert.Empty(metrics.Find("payment_requests_total", ("status", "failed")));
        Assert.Equal(1, metrics.Value("payment_duration_seconds_count", ("gateway", "stripe"), ("payment_method", "credit_card")));
        Assert.Equal(0.1, metrics.Value("payment_duration_seconds_sum", ("gateway", "stripe"), ("payment_method", "credit_card")), 9);
        Assert.Equal(1, metrics.Value("payment_duration_seconds_bucket", ("gateway", "stripe"), ("payment_method", "credit_card"), ("le", "0.1")));
        Assert.Equal(50, metrics.Value("payment_amount_usd_sum", ("currency", "USD"), ("user_tier", "standard")));
        Assert.Equal(0, metrics.Value("payment_amount_usd_bucket", ("currency", "USD"), ("user_tier", "standard"), ("le", "10")));
        Assert.Equal(1, metrics.Value("payment_amount_usd_bucket", ("currency", "USD"), ("user_tier", "standard"), ("le", "50")));
        Assert.Equal(15, metrics.Value("database_connections_active", ("database", "payment_db"), ("pool", "main_pool")));
        Assert.Equal(20, metrics.Value("database_connections_max", ("database", "payment_db"), ("pool", "main_pool")));
        Assert.Empty(metrics.Find("errors_total"));
    }

    [Fact]
    public async Task A_declined_payment_answers_402_problem_json_and_counts_a_failure()
    {
        using var app = TestApp.Create(("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "0"));

        var response = await app.PostPaymentAsync(Payment50);

        await AssertPaymentProblemAsync(app, response, 402, "urn:payment-functions:problem:payment-declined", "InvalidPaymentMethodException", "medium");
    }

    [Fact]
    public async Task A_gateway_timeout_answers_504_problem_json_and_counts_a_failure()
    {
        using var app = TestApp.Create(("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "1"));

        var response = await app.PostPaymentAsync(Payment50);

        await AssertPaymentProblemAsync(app, response, 504, "urn:payment-functions:problem:gateway-timeout", "GatewayTimeoutException", "medium");
    }

    [Fact]
    public async Task A_failed_payment_above_1000_usd_is_a_high_severity_error()
    {
        // 700 EUR at the test rate of 1.5 is 1050 USD: the severity rule reads US dollars.
        using var app = TestApp.Create(("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "1"));

        var response = await app.PostPaymentAsync("""{"orderId":"o","userId":"u","amount":700,"currency":"EUR"}""");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var metrics = await app.ScrapeAsync();
        Assert.Equal(1, metrics.Value("errors_total", ("service", "payment"), ("error_type", "GatewayTimeoutException"), ("severity", "high")));
        Assert.Equal(1050, metrics.Value("payment_amount_usd_sum", ("currency", "EUR"), ("user_tier", "standard")));
    }

    [Theory]
    [InlineData("1000", "medium")]
    [InlineData("1000.01", "high")]
    public async Task The_severity_rule_is_strictly_above_1000_usd(string amount, string severity)
    {
        using var app = TestApp.Create(("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "0"));

        await app.PostPaymentAsync($$"""{"orderId":"o","userId":"u","amount":{{amount}},"currency":"USD"}""");

        var metrics = await app.ScrapeAsync();
        Assert.Equal(1, metrics.Value("errors_total", ("error_type", "InvalidPaymentMethodException"), ("severity", severity)));
        Assert.Single(metrics.Find("errors_total"));
    }

    [Fact]
    public async Task Tier_and_method_default_to_standard_and_credit_card()
    {
        using var app = TestApp.Create();

        var response = await app.PostPaymentAsync("""{"orderId":"o","userId":"u","amount":5,"currency":"USD"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metrics = await app.ScrapeAsync();
        Assert.Equal(1, metrics.Value("payment_requests_total", ("status", "success"), ("user_tier", "standard")));
        Assert.Equal(1, metrics.Value("payment_duration_seconds_count", ("payment_method", "credit_card")));
    }

    [Fact]
    public async Task Latency_follows_the_seed_model_for_premium_and_high_value_payments()
    {
        using var app = TestApp.Create();

        await app.PostPaymentAsync("""{"orderId":"a","userId":"u","amount":10,"currency":"USD","userTier":"premium","paymentMethod":"paypal"}""");
        await app.PostPaymentAsync("""{"orderId":"b","userId":"u","amount":1200,"currency":"USD","userTier":"basic","paymentMethod":"debit_card"}""");

        var metrics = await app.ScrapeAsync();
        Assert.Equal(0.08, metrics.Value("payment_duration_seconds_sum", ("payment_method", "paypal")), 9);
        Assert.Equal(0.15, metrics.Value("payment_duration_seconds_sum", ("payment_method", "debit_card")), 9);
    }

    [Fact]
    public async Task Logs_carry_the_invocation_user_and_order_in_a_scope_and_the_seed_events()
    {
        using var app = TestApp.Create(("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "0"));

        await app.PostPaymentAsync(Payment50, invocationId: "inv-42");

        var records = app.Logs.GetSnapshot().Where(r => r.Category == typeof(PaymentFunctions.Payments.PaymentService).FullName).ToList();
        Assert.Equal(["Payment processing started", "Payment failed"], records.Select(r => r.Message.Split(':')[0]));
        foreach (var record in records)
        {
            var scope = Assert.Single(record.Scopes.OfType<IEnumerable<KeyValuePair<string, object>>>()).ToDictionary();
            Assert.Equal("inv-42", scope["RequestId"]);
            Assert.Equal("user_123", scope["UserId"]);
            Assert.Equal("order_1", scope["OrderId"]);
        }

        Assert.Equal("InvalidPaymentMethodException", records[1].GetStructuredStateValue("ErrorType"));
        Assert.Equal("50.0", records[0].GetStructuredStateValue("Amount"));
    }

    private static async Task AssertPaymentProblemAsync(
        TestApp app, TestHttpResponseData response, int status, string type, string errorType, string severity)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json; charset=utf-8", response.ContentType);
        using var body = JsonDocument.Parse(response.BodyText());
        Assert.Equal(type, body.RootElement.GetProperty("type").GetString());
        Assert.Equal(status, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(errorType, body.RootElement.GetProperty("errorType").GetString());

        var metrics = await app.ScrapeAsync();
        Assert.Equal(1, metrics.Value("payment_requests_total", ("status", "failed"), ("gateway", "stripe"), ("user_tier", "standard")));
        Assert.Empty(metrics.Find("payment_requests_total", ("status", "success")));
        Assert.Equal(1, metrics.Value("payment_duration_seconds_count", ("payment_method", "credit_card")));
        Assert.Equal(1, metrics.Value("payment_amount_usd_count", ("currency", "USD")));
        Assert.Equal(1, metrics.Value("errors_total", ("service", "payment"), ("error_type", errorType), ("severity", severity)));
        Assert.Equal(15, metrics.Value("database_connections_active", ("database", "payment_db")));
    }
}
