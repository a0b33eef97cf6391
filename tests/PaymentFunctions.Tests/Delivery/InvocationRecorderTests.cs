using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using PaymentFunctions.Metrics;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.Delivery;

public sealed class InvocationRecorderTests
{
    private readonly PaymentMetrics _metrics = new();
    private readonly InstantTimeProvider _clock = new();
    private readonly FunctionInvocationRecorder _recorder;

    public InvocationRecorderTests()
    {
        // Pushing disabled: push requests are no-ops here; delivery is proven against real gateways elsewhere.
        var pusher = new MetricPushService(_metrics, Options.Create(new MetricPushOptions()), _clock, NullLogger<MetricPushService>.Instance);
        _recorder = new FunctionInvocationRecorder(_metrics, pusher, _clock);
    }

    [Fact]
    public async Task Records_invocations_by_function_and_outcome_with_their_duration_and_one_cold_start_per_instance()
    {
        await _recorder.RecordAsync("ProcessPayment", () => Task.Delay(TimeSpan.FromMilliseconds(30), _clock));
        await _recorder.RecordAsync("ProcessPayment", () => Task.CompletedTask);
        await _recorder.RecordAsync("SampleSystemMetrics", () => Task.Delay(TimeSpan.FromMilliseconds(20), _clock));

        var text = await PrometheusText.FromRegistryAsync(_metrics.Registry);
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
        var text = await PrometheusText.FromRegistryAsync(_metrics.Registry);
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "failure")));
        Assert.Equal(1, text.Value("function_duration_seconds_count", ("function", "ProcessPayment")));
    }

    [Fact]
    public async Task A_result_judged_a_failure_counts_as_failure()
    {
        await _recorder.RecordAsync("ProcessPayment", () => Task.CompletedTask, () => true);

        var text = await PrometheusText.FromRegistryAsync(_metrics.Registry);
        Assert.Equal(1, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "failure")));
    }

    [Fact]
    public async Task The_first_of_concurrent_first_invocations_is_the_only_cold_start()
    {
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _recorder.RecordAsync("ProcessPayment", () => Task.CompletedTask))));

        var text = await PrometheusText.FromRegistryAsync(_metrics.Registry);
        Assert.Equal(1, text.Value("function_cold_starts_total", ("function", "ProcessPayment")));
        Assert.Equal(16, text.Value("function_invocations_total", ("function", "ProcessPayment"), ("outcome", "success")));
    }

    [Fact]
    public async Task The_worker_middleware_records_through_the_recorder_by_function_name()
    {
        await using var app = await DeliveryApp.StartAsync(gateway: null);
        var middleware = ActivatorUtilities.CreateInstance<InvocationMetricsMiddleware>(app.Services);
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
