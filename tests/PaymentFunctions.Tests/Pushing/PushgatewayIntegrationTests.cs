using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Pushing;

/// <summary>The app's pusher against a real <c>prometheus-pushgateway</c> process on a loopback port.</summary>
public sealed class PushgatewayIntegrationTests
{
    [Fact]
    public async Task After_payments_and_a_push_the_gateway_holds_the_payment_series_with_job_and_instance()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        using var host = BuildHost(gateway.Url.ToString(), instance: "it-instance-1", failureRate: "0");
        await host.StartAsync();

        var services = host.Services;
        for (var i = 0; i < 3; i++)
        {
            var response = await PostAsync(services, $$"""{"orderId":"o{{i}}","userId":"u","amount":{{100 * (i + 1)}},"currency":"USD","userTier":"premium","paymentMethod":"paypal"}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await host.StopAsync(); // the final push

        var text = await gateway.ScrapeAsync();
        (string, string)[] group = [("job", "payment-functions"), ("instance", "it-instance-1")];
        Assert.Equal(3, text.Value("payment_requests_total", [.. group, ("status", "success"), ("gateway", "stripe"), ("user_tier", "premium")]));
        Assert.Equal(3, text.Value("payment_duration_seconds_count", [.. group, ("gateway", "stripe"), ("payment_method", "paypal")]));
        Assert.Equal(600, text.Value("payment_amount_usd_sum", [.. group, ("currency", "USD"), ("user_tier", "premium")]));
        Assert.Equal(1, text.Value("payment_amount_usd_bucket", [.. group, ("currency", "USD"), ("user_tier", "premium"), ("le", "100")]));
        Assert.Equal(3, text.Value("payment_amount_usd_bucket", [.. group, ("currency", "USD"), ("user_tier", "premium"), ("le", "500")]));
        // The payments are over: the pool is back at its baseline (the seed's pool kept growing).
        Assert.Equal(15, text.Value("database_connections_active", [.. group, ("database", "payment_db"), ("pool", "main_pool")]));
        Assert.Equal(20, text.Value("database_connections_max", [.. group, ("database", "payment_db"), ("pool", "main_pool")]));
        Assert.True(text.Value("push_time_seconds", group) > 0);
        Assert.Equal(0, text.Sum("payment_requests_total", ("status", "failed")));
    }

    [Fact]
    public async Task Failed_payments_reach_the_gateway_with_their_error_series()
    {
        await using var gateway = await PushgatewayProcess.StartAsync();
        using var host = BuildHost(gateway.Url.ToString(), instance: "it-instance-2", failureRate: "1");
        await host.StartAsync();

        var response = await PostAsync(host.Services, """{"orderId":"o","userId":"u","amount":2000,"currency":"USD"}""");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);

        var text = await gateway.ScrapeUntilAsync(
            t => t.ValueOrZero("errors_total", ("instance", "it-instance-2")) >= 1, TimeSpan.FromSeconds(20), "the gateway holds the timed-out payment's error");
        Assert.Equal(1, text.Value("errors_total", ("job", "payment-functions"), ("instance", "it-instance-2"), ("service", "payment"), ("error_type", "GatewayTimeoutException"), ("severity", "high")));
        Assert.Equal(1, text.Sum("payment_requests_total", ("instance", "it-instance-2"), ("status", "failed")));
        await host.StopAsync();
    }

    [Fact]
    public async Task A_dead_gateway_is_logged_and_counted_and_never_fails_an_invocation()
    {
        var closedPort = ExternalProcess.FreePort(); // nothing listens there
        using var host = BuildHost($"http://127.0.0.1:{closedPort}", instance: "it-dead", failureRate: "0");
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<Prometheus.CollectorRegistry>();

        var response = await PostAsync(host.Services, """{"orderId":"o","userId":"u","amount":10,"currency":"USD"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Poll.UntilAsync(
            async () => (await PrometheusText.FromRegistryAsync(registry)).ValueOrZero("metric_push_failures_total", ("reason", "connection")) >= 1,
            TimeSpan.FromSeconds(20),
            "a refused push is counted with reason=connection");
        var text = await PrometheusText.FromRegistryAsync(registry);
        Assert.Equal(1, text.Sum("payment_requests_total", ("status", "success")));
        await host.StopAsync();
    }

    [Fact]
    public async Task Both_gateways_serve_every_counter_and_histogram_back_with_the_instance_start_as_created_time()
    {
        await using var shipped = await PushgatewayProcess.StartAsync();
        await using var debian12 = await PushgatewayProcess.StartDebian12Async();
        foreach (var gateway in new[] { shipped, debian12 })
        {
            using var host = BuildHost(gateway.Url.ToString(), instance: "it-created", failureRate: "0");
            await host.StartAsync();
            var response = await PostAsync(host.Services, """{"orderId":"o","userId":"u","amount":10,"currency":"USD"}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await host.StopAsync(); // the final push
        }

        // Debian 12's 1.5.1 predates the field, yet serves it back the same: Go's protobuf keeps fields it does not know.
        // What lacks created timestamps is a text push, or a Prometheus without created-timestamp-zero-ingestion.
        foreach (var gateway in new[] { shipped, debian12 })
        {
            var served = await PushedBody.ScrapeProtobufAsync(gateway.Url);
            var created = PushedBody.CreatedTimestamps(served).Where(c => c.Labels.GetValueOrDefault("instance") == "it-created").ToList();
            var text = PrometheusText.Parse(PushedBody.ToText(served));
            var start = text.Value("process_start_time_seconds", ("instance", "it-created"));

            // Every counter (each named *_total) and histogram (one *_count each) series of the group carries the start
            // time, to the millisecond: the app created them all at start-up, the payment's among them.
            var ofGroup = text.Samples.Where(s => s.Labels.GetValueOrDefault("instance") == "it-created").ToList();
            Assert.Equal(ofGroup.Count(s => s.Name.EndsWith("_total", StringComparison.Ordinal) || s.Name.EndsWith("_count", StringComparison.Ordinal)), created.Count);
            Assert.True(created.Count >= 40, $"{created.Count} counter and histogram series");
            Assert.All(created, c => Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(start * 1000)), c.Created));
            Assert.Contains(created, c => c.Family == "payment_requests_total" && c.Labels["status"] == "success" && c.Labels["user_tier"] == "standard");
            Assert.Contains(created, c => c.Family == "payment_duration_seconds");
        }
    }

    private static IHost BuildHost(string gatewayUrl, string instance, string failureRate)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(TestApp.Defaults)
        {
            ["MetricPush:Url"] = gatewayUrl,
            ["MetricPush:Instance"] = instance,
            ["MetricPush:IntervalSeconds"] = "0.2",
            ["MetricPush:FirstValuesDelaySeconds"] = "0",
            ["SimulatedGateway:LatencyScale"] = "0",
            ["SimulatedGateway:FailureRate"] = failureRate,
            ["SimulatedGateway:PremiumFailureRate"] = failureRate,
            ["SimulatedGateway:TimeoutShare"] = "1",
        });
        builder.Services.AddLogging();
        builder.Services.AddPrometheusPush(FunctionsServiceCollectionExtensions.MetricPushSection, FunctionsServiceCollectionExtensions.ConfigurePush);
        builder.Services.AddPaymentFunctions(builder.Configuration);
        return builder.Build();
    }

    private static async Task<TestHttpResponseData> PostAsync(IServiceProvider services, string body)
    {
        var context = FunctionTestContext.Create(services, Guid.NewGuid().ToString());
        var request = FunctionTestContext.Post(context, "https://localhost/api/payments", body);
        var function = ActivatorUtilities.CreateInstance<PaymentsFunction>(services);
        return (TestHttpResponseData)await function.ProcessPayment(request, context);
    }
}
