using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using AzureFunctions.PrometheusPush.Internal.Invocations;
using Moq;
using PaymentFunctions.Testing;
using Prometheus;

namespace PaymentFunctions.Tests.Delivery;

public sealed class InvocationRecorderTests : IDisposable
{
    private readonly InstantTimeProvider _clock = new();
    private readonly ServiceProvider _services;
    private readonly CollectorRegistry _registry;
    private readonly InvocationRecorder _recorder;

    public InvocationRecorderTests()
    {
        // Pushing disabled (no URL): push requests are no-ops here; delivery is proven against real gateways elsewhere.
        _services = PushServices.Create([], _clock, push => push.UseInvocationMetrics());
        _registry = _services.GetRequiredService<CollectorRegistry>();
        _recorder = _services.GetRequiredService<InvocationRecorder>();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Records_invocations_by_function_and_outcome_with_their_duration_and_one_cold_start_per_instance()
    {
        await _recorder.RecordAsync("ProcessPayment", () => Task.Delay(TimeSpan.FromMilliseconds(30), _clock));
        await _recorder.RecordAsync("ProcessPayment", () => Task.CompletedTask);
        await _recorder.RecordAsync("SampleSystemMetrics", () => Task.Delay(TimeSpan.FromMilliseconds(20), _clock));

        var text = await PrometheusText.FromRegistryAsync(_registry);
        Assert.Equal(2, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success")));
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "SampleSystemMetrics"), ("outcome", "success")));
        Assert.Empty(text.Find("function_invocations_total", ("outcome", "failure")));
        Assert.Equal(2, text.Value("function_duration_seconds_count", ("function", "ProcessPayment")));
        Assert.Equal(0.03, text.Value("function_duration_seconds_sum", ("function", "ProcessPayment")), 9);
        Assert.Equal(0.02, text.Value("function_duration_seconds_sum", ("function", "SampleSystemMetrics")), 9);

        // Only the instance's first invocation is a cold start.
        Assert.Equal(1, text.Value("function_cold_starts_total", ("function", "ProcessPayment")));
        Assert.Empty(text.Find("function_cold_starts_total", ("function", "SampleSystemMetrics")));
    }

    [Fact]
    public async Task A_throwing_invocation_is_a_failure_and_its_exception_propagates_unchanged()
    {
        var thrown = new InvalidOperationException("boom");

        var caught = await Assert.ThrowsAsync<InvalidOperationException>(() => _recorder.RecordAsync("ProcessPayment", () => Task.FromException(thrown)));

        Assert.Same(thrown, caught);
        var text = await PrometheusText.FromRegistryAsync(_registry);
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "failure")));
        Assert.Equal(1, text.Value("function_duration_seconds_count", ("function", "ProcessPayment")));
    }

    [Theory]
    [InlineData(200, "success")]
    [InlineData(null, "success")] // a timer: no HTTP response
    [InlineData(400, "client_error")]
    [InlineData(402, "client_error")] // a declined payment is answered 402
    [InlineData(499, "client_error")]
    [InlineData(500, "failure")]
    [InlineData(504, "failure")]
    public async Task The_response_status_decides_the_outcome_client_errors_apart_from_success_and_failure(int? status, string outcome)
    {
        await _recorder.RecordAsync("ProcessPayment", () => Task.CompletedTask, () => status);

        var text = await PrometheusText.FromRegistryAsync(_registry);
        var counted = Assert.Single(text.Find("function_invocations_total", ("function", "ProcessPayment")));
        Assert.Equal(outcome, counted.Labels["outcome"]);
        Assert.Equal(1, counted.Value);
    }

    [Fact]
    public async Task The_first_of_concurrent_first_invocations_is_the_only_cold_start()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _recorder.RecordAsync("ProcessPayment", () => Task.CompletedTask))));

        var text = await PrometheusText.FromRegistryAsync(_registry);
        Assert.Equal(1, text.Value("function_cold_starts_total", ("function", "ProcessPayment")));
        Assert.Equal(16, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success")));
    }

    [Fact]
    public async Task The_worker_middleware_records_through_the_recorder_by_function_name()
    {
        await using var app = await DeliveryApp.StartAsync(gateway: null);
        var middleware = app.Services.GetRequiredService<InvocationMiddleware>();
        var context = FunctionTestContext.Create(app.Services, "inv-1");
        var mock = Mock.Get(context);
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns("SampleSystemMetrics");
        mock.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        mock.SetupGet(c => c.Features).Returns(new Mock<IInvocationFeatures>().Object);

        await middleware.Invoke(context, _ => Task.CompletedTask);
        await Assert.ThrowsAsync<TimeoutException>(() => middleware.Invoke(context, _ => throw new TimeoutException()));

        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "SampleSystemMetrics"), ("outcome", "success")));
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "SampleSystemMetrics"), ("outcome", "failure")));
        Assert.Equal(1, text.Value("function_cold_starts_total", ("function", "SampleSystemMetrics")));
    }

    [Fact]
    public async Task A_rejected_payment_is_a_client_error_invocation_and_every_outcome_starts_at_zero()
    {
        await using var app = await DeliveryApp.StartAsync(gateway: null);
        var started = await app.ScrapeRegistryAsync();
        foreach (var function in new[] { "ProcessPayment", "SampleSystemMetrics", "ExpireStaleMetricGroups" })
        {
            Assert.Equal(0, started.Value("function_invocations_total", ("function", function), ("outcome", "client_error")));
        }

        var (response, _) = await app.InvokePaymentAsync("""{"orderId":"o","userId":"u","amount":10,"currency":"XYZ"}""");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "client_error")));
        Assert.Equal(0, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success")));
        Assert.Equal(0, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "failure")));
        Assert.Equal(1, text.Value("payment_rejected_requests_total", ("cause", "currency")));
    }

    [Fact]
    public async Task Without_a_Pushgateway_the_app_runs_and_says_once_that_metrics_are_not_pushed()
    {
        await using var app = await DeliveryApp.StartAsync(gateway: null);

        var (response, _) = await app.InvokePaymentAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Null(app.Pusher.GroupUrl);
        Assert.False(await app.Pusher.PushNowAsync(CancellationToken.None));
        Assert.Single(app.Logs!.GetSnapshot(), r => r.Message.Contains("Metrics are not pushed", StringComparison.Ordinal));
    }
}
