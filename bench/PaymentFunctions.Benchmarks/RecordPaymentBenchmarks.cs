using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using PaymentFunctions.Payments;

namespace PaymentFunctions.Benchmarks;

/// <summary>
/// Recording one payment's metrics (the counter and both histograms) with labels resolved as the service resolves them.
/// Target: at most 50 ns and 0 bytes allocated. The seed-style line (a label lookup per metric) is the reference.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RecordPaymentBenchmarks
{
    private PaymentRequest _request = null!;
    private PaymentMetrics _metrics = null!;
    private PaymentMetricsRecorder _recorder = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = Options.Create(new PaymentOptions());
        // The request as the function hands it to the service: parsed and validated against the allow-lists.
        _request = new PaymentRequestParser(options).Parse(
            """{"orderId":"order_1","userId":"user_123","amount":50.0,"currency":"USD","userTier":"premium","paymentMethod":"paypal"}"""u8.ToArray()).Request!;
        _metrics = new PaymentMetrics(Prometheus.Metrics.NewCustomRegistry());
        _recorder = new PaymentMetricsRecorder(_metrics, options, new NamedGateway("stripe"));
        _recorder.RecordPayment(_request, succeeded: true, 0.123, 50); // first use creates the children
    }

    [Benchmark(Description = "record payment (cached children)")]
    public void RecordPayment() => _recorder.RecordPayment(_request, succeeded: true, 0.123, 50);

    [Benchmark(Baseline = true, Description = "record payment (label lookup per metric, as the seed)")]
    public void RecordPaymentWithLabelLookups()
    {
        _metrics.PaymentRequests.WithLabels("success", "stripe", _request.UserTier).Inc();
        _metrics.PaymentDuration.WithLabels("stripe", _request.PaymentMethod).Observe(0.123);
        _metrics.PaymentAmount.WithLabels(_request.Currency, _request.UserTier).Observe(50);
    }

    private sealed class NamedGateway(string name) : IPaymentGateway
    {
        public string Name { get; } = name;

        public Task<string> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken) => Task.FromResult("txn");
    }
}
