using System.Diagnostics;
using PaymentFunctions.Payments;
using Xunit.Abstractions;

namespace PaymentFunctions.Tests.Delivery;

/// <summary>Point 6: eight threads recording 100,000 payments each give exact counts in the pushed text.</summary>
[Collection(MeasuredTests.Name)]
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    private const int Threads = 8;
    private const int PaymentsPerThread = 100_000;

    [Fact]
    public async Task Eight_threads_recording_100000_payments_each_give_exact_counts_at_the_gateway()
    {
        await using var gateway = await Gateways.StartAsync();
        await using var app = await DeliveryApp.StartAsync(
            [("MetricPush:Url", gateway.Url.ToString()), ("MetricPush:MinIntervalSeconds", "0.05")], captureLogs: false);
        var payments = app.Payments;
        var recorder = app.Recorder;
        var payment = new PaymentRequest("order_1", "user_123", 50m, "USD", "standard", "credit_card");
        using var start = new Barrier(Threads);

        var stopwatch = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PaymentsPerThread; i++)
            {
                // Completes synchronously: no gateway latency; pushes run meanwhile on the pusher's loop.
                recorder.RecordAsync("ProcessPayment", () => payments.ProcessAsync(payment, "r", CancellationToken.None)).GetAwaiter().GetResult();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        output.WriteLine($"{Threads * PaymentsPerThread} payments on {Threads} threads in {stopwatch.ElapsedMilliseconds} ms; {app.Pusher.CompletedPushes} pushes ran meanwhile.");

        Assert.True(await app.Pusher.PushNowAsync(CancellationToken.None));
        var text = await gateway.ScrapeAsync();
        const double total = Threads * PaymentsPerThread;
        Assert.Equal(total, text.Sum("payment_requests_total", ("instance", "test-instance"), ("status", "success")));
        Assert.Equal(total, text.Sum("function_invocations_total", ("instance", "test-instance"), ("outcome", "success")));
        Assert.Equal(total, text.Sum("function_duration_seconds_count", ("instance", "test-instance")));
        Assert.Equal(total, text.Sum("payment_duration_seconds_count", ("instance", "test-instance")));
        Assert.Equal(total, text.Sum("payment_amount_usd_count", ("instance", "test-instance")));
        Assert.Equal(total * 50, text.Sum("payment_amount_usd_sum", ("instance", "test-instance")));
        Assert.Equal(total, text.Sum("payment_amount_usd_bucket", ("instance", "test-instance"), ("le", "50")));
        Assert.Equal(0, text.Sum("payment_amount_usd_bucket", ("instance", "test-instance"), ("le", "10")));
    }
}
