using PaymentFunctions.Payments;

namespace PaymentFunctions.Observability.Tests;

/// <summary>A payment of the known sequence: the request, the gateway latency it takes and whether the gateway fails it.</summary>
internal sealed record ScriptedPayment(PaymentRequest Request, double LatencySeconds, bool Fails);

/// <summary>
/// A monotonic clock that moves only when told (so the payment durations the service measures are exactly the scripted
/// latencies) while wall-clock time stays real (the pusher stamps its last success with it).
/// </summary>
internal sealed class StepClock : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(double seconds) => Interlocked.Add(ref _ticks, (long)Math.Round(seconds * TimeSpan.TicksPerSecond));
}

/// <summary>The payment gateway, scripted: each order takes its latency on the step clock and succeeds or times out.</summary>
internal sealed class ScriptedGateway(StepClock clock, IReadOnlyList<ScriptedPayment> script) : IPaymentGateway
{
    public string Name => "stripe";

    public Task<string> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var step = script.Single(s => s.Request.OrderId == request.OrderId);
        clock.Advance(step.LatencySeconds);
        return step.Fails
            ? Task.FromException<string>(new GatewayTimeoutException($"Scripted timeout for {request.OrderId}."))
            : Task.FromResult("tx-" + request.OrderId);
    }
}
