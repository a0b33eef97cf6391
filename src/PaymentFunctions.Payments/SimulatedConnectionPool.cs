using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>
/// The seed's simulated database pool, breathing with the load (the seed's pool only grew, so its gauge stuck at
/// the maximum after 20 payments): <see cref="PaymentOptions.PoolInitialConnections"/> connections are in use at rest
/// (the baseline), each payment in flight holds one more until it ends, and the pool never exceeds
/// <see cref="PaymentOptions.PoolMaxConnections"/>. With the seed's 15 and 20: idle 15 (75 %), 4 concurrent payments
/// 19 (95 %), 5 or more 20. Every change sets <c>database_connections_active</c> at once.
/// </summary>
internal sealed class SimulatedConnectionPool
{
    // Changing the count and setting the gauge happen together, so the gauge never keeps an older value than the pool.
    private readonly Lock _gate = new();
    private readonly IPaymentMetricsRecorder _metrics;
    private int _inFlight;

    public SimulatedConnectionPool(IOptions<PaymentOptions> options, IPaymentMetricsRecorder metrics)
    {
        Baseline = options.Value.PoolInitialConnections;
        Max = options.Value.PoolMaxConnections;
        _metrics = metrics;
        Publish();
    }

    /// <summary>Connections in use at rest.</summary>
    public int Baseline { get; }

    public int Max { get; }

    private int ActiveNow => Math.Min(Max, Baseline + _inFlight);

    /// <summary>Takes a connection for one payment; disposing the lease (once) gives it back.</summary>
    public Lease Acquire()
    {
        lock (_gate)
        {
            _inFlight++;
            _metrics.SetActiveConnections(ActiveNow);
        }

        return new Lease(this);
    }

    /// <summary>Sets the gauge to the pool's current use (at start-up: the baseline).</summary>
    public void Publish()
    {
        lock (_gate)
        {
            _metrics.SetActiveConnections(ActiveNow);
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _inFlight--;
            _metrics.SetActiveConnections(ActiveNow);
        }
    }

    /// <summary>One payment's connection.</summary>
    public sealed class Lease : IDisposable
    {
        private SimulatedConnectionPool? _pool;

        internal Lease(SimulatedConnectionPool pool) => _pool = pool;

        public void Dispose() => Interlocked.Exchange(ref _pool, null)?.Release();
    }
}
