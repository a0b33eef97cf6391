using System.Net;
using Microsoft.Azure.Functions.Worker;
using PaymentFunctions.Tests.Delivery;
using PaymentFunctions.Testing;

namespace PaymentFunctions.Tests.HostContract;

/// <summary>
/// Invocations sent through the worker's own middleware pipeline of the app as <c>Program.cs</c> builds it,
/// so the middleware's registration and its reading of the HTTP result are what is tested, not a copy of them.
/// </summary>
public sealed class InvocationPipelineTests
{
    private const string ProcessPayment = nameof(PaymentsFunction.ProcessPayment);

    [Fact]
    public async Task A_payment_through_the_pipeline_counts_one_successful_invocation_its_duration_and_the_cold_start()
    {
        await using var app = await DeliveryApp.StartAsync(gateway: null);

        var (response, _) = await app.InvokePaymentAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "success")));
        Assert.Equal(0, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "failure")));
        Assert.Equal(1, text.Value("function_duration_seconds_count", ("function", ProcessPayment)));
        Assert.Equal(1, text.Value("function_cold_starts_total", ("function", ProcessPayment)));
    }

    [Fact]
    public async Task A_gateway_timeout_answered_504_is_a_failed_invocation()
    {
        await using var app = await DeliveryApp.StartAsync([("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "1")]);

        var (response, _) = await app.InvokePaymentAsync();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "failure")));
        Assert.Equal(0, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "success")));
        Assert.Equal(0, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "client_error")));
    }

    [Fact]
    public async Task A_declined_payment_answered_402_is_a_client_error_invocation()
    {
        await using var app = await DeliveryApp.StartAsync([("SimulatedGateway:FailureRate", "1"), ("SimulatedGateway:TimeoutShare", "0")]);

        var (response, _) = await app.InvokePaymentAsync();

        Assert.Equal((HttpStatusCode)402, response.StatusCode);
        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "client_error")));
        Assert.Equal(0, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "failure")));
    }

    [Fact]
    public async Task An_invocation_that_throws_is_a_failure_and_the_exception_reaches_the_worker()
    {
        await using var app = await DeliveryApp.StartAsync([("SimulatedGateway:LatencyScale", "1")]);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // The worker's reflection executor hands the function's exception on wrapped.
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() =>
            app.Pipeline.PostAsync(DeliveryApp.ProcessPayment, "https://localhost/api/payments", DeliveryApp.Payment50, "inv-cancelled", cancelled.Token));
        Assert.IsAssignableFrom<OperationCanceledException>(thrown.GetBaseException());

        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", ProcessPayment), ("outcome", "failure")));
    }

    [Fact]
    public async Task A_timer_invocation_through_the_pipeline_is_a_success_and_asks_for_a_push()
    {
        await using var gateway = await Gateways.StartAsync();
        await using var app = await DeliveryApp.StartAsync(gateway.Url);
        var before = app.Pusher.CompletedPushes;

        await app.Pipeline.InvokeAsync(typeof(SystemMetricsFunction).GetMethod(nameof(SystemMetricsFunction.SampleSystemMetrics))!, new TimerInfo());

        var text = await app.ScrapeRegistryAsync();
        Assert.Equal(1, text.Value("function_invocations_total", ("function", nameof(SystemMetricsFunction.SampleSystemMetrics)), ("outcome", "success")));
        await Poll.UntilAsync(() => app.Pusher.CompletedPushes > before, what: "the push the invocation asked for completed");
    }
}
